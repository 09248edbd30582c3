export * from './rdp.js';
export * from './dp-sgd.js';
