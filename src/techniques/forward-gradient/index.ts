export * from './jvp.js';
export * from './estimators.js';
