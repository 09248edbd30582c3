export * from './sgd-sai.js';
