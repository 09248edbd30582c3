export * from './clip.js';
export * from './runs.js';
