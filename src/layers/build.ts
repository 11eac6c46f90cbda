import { ShapeError, show } from '../errors.js';
import { BatchNormNode } from './norm.js';
import { Node, showShape, type NetContext, type Shape } from './node.js';
import { ActivationNode, DropoutNode, ScalarBiasNode } from './pointwise.js';
import { ResidualNode } from './residual.js';
import { FlattenNode, PoolNode } from './shaping.js';
import type { Layer } from './specs.js';
import { ConvNode, DenseNode, outputSize } from './weighted.js';

/** Nodes for `layers` applied to inputs of `input`'s shape, each checked against what it receives. */
export function buildNodes(ctx: NetContext, layers: readonly Layer[], input: Shape, prefix = ''): Node[] {
  const nodes: Node[] = [];
  let shape = input;
  layers.forEach((layer, i) => {
    const node = buildNode(ctx, layer, shape, prefix === '' ? String(i) : `${prefix}.${i}`);
    nodes.push(node);
    shape = node.output;
  });
  return nodes;
}

function fail(path: string, layer: Layer, problem: string): never {
  throw new ShapeError(`Sequential: layer ${path} (${layer.kind}) ${problem}`);
}

type Image = Shape & { kind: 'image' };

function needImage(path: string, layer: Layer, input: Shape, what: string): Image {
  if (input.kind !== 'image') {
    fail(path, layer, `expects an image input [${what}, height, width], got ${input.features} flat features; give inputShape [channels, height, width] and put it before flatten()`);
  }
  return input;
}

/** Checks that a kernel fits the (padded) input on both axes. */
function checkWindow(path: string, layer: Layer, input: Image, kernel: readonly [number, number], stride: readonly [number, number], padding: readonly [number, number]): void {
  const fits = outputSize(input.height, kernel[0], stride[0], padding[0]) >= 1 && outputSize(input.width, kernel[1], stride[1], padding[1]) >= 1;
  if (!fits) {
    fail(path, layer, `has a ${kernel[0]}×${kernel[1]} window with padding ${show([...padding])} that does not fit its ${input.height}×${input.width} input`);
  }
}

function buildNode(ctx: NetContext, layer: Layer, input: Shape, path: string): Node {
  switch (layer.kind) {
    case 'dense':
      if (input.kind === 'image') fail(path, layer, `expects a flat input of ${layer.inFeatures} features, got an image ${showShape(input)}; put flatten() before it`);
      if (input.features !== layer.inFeatures) fail(path, layer, `expects ${layer.inFeatures} input features, got ${input.features}`);
      return new DenseNode(ctx, path, layer, input);
    case 'conv2d': {
      const image = needImage(path, layer, input, String(layer.inChannels));
      if (image.channels !== layer.inChannels) fail(path, layer, `expects ${layer.inChannels} input channels, got ${image.channels}`);
      checkWindow(path, layer, image, layer.kernelSize, layer.stride, layer.padding);
      return new ConvNode(ctx, path, layer, image);
    }
    case 'maxPool2d':
    case 'avgPool2d': {
      const image = needImage(path, layer, input, 'channels');
      checkWindow(path, layer, image, layer.kernelSize, layer.stride, layer.padding);
      return new PoolNode(ctx, path, layer, image);
    }
    case 'batchNorm1d':
      if (input.kind === 'image') fail(path, layer, `expects a flat input of ${layer.numFeatures} features, got an image ${showShape(input)}; use batchNorm2d for images`);
      if (input.features !== layer.numFeatures) fail(path, layer, `expects ${layer.numFeatures} features, got ${input.features}`);
      return new BatchNormNode(ctx, path, layer, input);
    case 'batchNorm2d': {
      const image = needImage(path, layer, input, String(layer.numFeatures));
      if (image.channels !== layer.numFeatures) fail(path, layer, `expects ${layer.numFeatures} channels, got ${image.channels}`);
      return new BatchNormNode(ctx, path, layer, image);
    }
    case 'flatten':
      return new FlattenNode(ctx, path, input);
    case 'dropout':
      return new DropoutNode(ctx, path, layer, input);
    case 'scalarBias':
      return new ScalarBiasNode(ctx, path, input);
    case 'residual': {
      const branch = buildNodes(ctx, layer.layers, input, `${path}.branch`);
      const out = branch[branch.length - 1].output;
      if (showShape(out) !== showShape(input) || out.kind !== input.kind) {
        fail(path, layer, `has a branch that maps ${showShape(input)} to ${showShape(out)}; x + f(x) needs the input's shape`);
      }
      return new ResidualNode(ctx, path, layer, input, branch);
    }
    default:
      return new ActivationNode(ctx, path, layer, input);
  }
}
