export * from './frobenius.js';
