/** The loopback GitHub lives with the playground, which serves it too (src/playground/fake-github.ts); tests import it from here. */
export * from '../../src/playground/fake-github.js';
