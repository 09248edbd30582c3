export * from './hvp.js';
export * from './second-order.js';
export * from './operator.js';
export * from './spectrum.js';
export * from './ggn.js';
export * from './solve.js';
export * from './steps.js';
