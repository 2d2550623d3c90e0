/** Every CLI subcommand, in the order `shopfloor --help` lists them. */
import type { CommandSpec } from '../command.js';
import { inspectCommand } from './inspect.js';
import { simulateCommand } from './simulate.js';

export const COMMANDS: readonly CommandSpec[] = [simulateCommand, inspectCommand];
