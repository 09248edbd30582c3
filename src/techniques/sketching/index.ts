export * from './sketch.js';
