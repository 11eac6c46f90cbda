export { matmul, type MatmulOptions } from './matmul.js';
export { sigmoid, tanh, relu, leakyRelu, softplus, softmax, logSoftmax } from './elementwise.js';
