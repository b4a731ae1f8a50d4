// Module resolve hook: target modules anywhere on disk (fixtures, remote repos)
// import 'kairos-pipe'; map it to this package's public API.
const api = new URL('../src/index.ts', import.meta.url).href;
export async function resolve(specifier, context, next) {
  if (specifier === 'kairos-pipe') return { url: api, shortCircuit: true };
  return next(specifier, context);
}
