/** Names and attributes of noiselab's own fused ops' kernels, shared by the ops and the backends that implement them. */
export const DENSE_KERNEL = 'NoiselabDense';
export const DENSE_GRAD_KERNEL = 'NoiselabDenseGrad';

/** The activations the fused dense layer implements. */
export type DenseActivation = 'linear' | 'relu';
/** Their codes in the native kernels (native/src/kernels.h). */
export const DENSE_ACTIVATIONS: Record<DenseActivation, number> = { linear: 0, relu: 1 };

export interface DenseAttrs {
  activation: DenseActivation;
}

export interface DenseGradAttrs extends DenseAttrs {
  /** which gradient: of the input x, the weights w or the bias b */
  wrt: 'x' | 'w' | 'b';
  /** input width (the shape of dx and dw needs it when `other` is not x or w) */
  k: number;
}

/** Adam's moments and update for a list of parameters in one call (see adam.ts). */
export const ADAM_KERNEL = 'NoiselabAdam';

/** Adam's coefficients for one step. */
export interface AdamAttrs {
  b1: number;
  b2: number;
  eps: number;
  /** bias corrections 1 - b1^t and 1 - b2^t */
  c1: number;
  c2: number;
}

/** alpha x_i (+ y_i) over a list of tensors in one call (see lists.ts). */
export const AXPY_KERNEL = 'NoiselabAxpy';

export interface AxpyAttrs {
  alpha: number;
  count: number;
  /** whether y_0..y_{count-1} are inputs */
  withY: boolean;
}
