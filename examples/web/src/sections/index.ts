// The page's experiments, in the order a lesson tells them. A new section is a SectionSpec added
// here (see examples/web/README.md).
import type { SectionSpec } from '../ui/section';
import { compare } from './compare';
import { depth } from './depth';
import { initializers } from './initializers';
import { mup } from './mup';
import { rbm } from './rbm';

export const SECTIONS: SectionSpec[] = [initializers, compare, depth, mup, rbm];
