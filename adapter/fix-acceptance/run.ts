// FIX session acceptance runner:
//   tsx adapter/fix-acceptance/run.ts [--host H --port P | --start-own | --start-quickfix] <folder>...
// Prints PASS/FAIL per case and a final `N passed, N failed`; exit code 0 when all pass.
import { main } from './cli.ts';

process.exitCode = await main(process.argv.slice(2));
