import { serve } from 'nninit/worker';

serve();
