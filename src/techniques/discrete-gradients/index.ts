export * from './gumbel.js';
