export * from './max-stable-lr.js';
