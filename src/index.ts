// Package entry: what `import ... from 'kairos-pipe'` gives target authors.
export * from './dsl/index.js';
