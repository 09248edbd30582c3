export * from './perceptron.js';
export * from './crossover.js';
