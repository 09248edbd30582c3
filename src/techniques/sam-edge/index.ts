export * from './edge.js';
