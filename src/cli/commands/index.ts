/** Every CLI subcommand, in the order `shopfloor --help` lists them. */
import type { CommandSpec } from '../command.js';
import { demoCommand } from './demo.js';
import { detectCommand } from './detect.js';
import { evaluateCommand } from './evaluate.js';
import { inspectCommand } from './inspect.js';
import { predictCommand } from './predict.js';
import { scheduleCommand } from './schedule.js';
import { serveCommand } from './serve.js';
import { simulateCommand } from './simulate.js';
import { trainCommand } from './train.js';

export const COMMANDS: readonly CommandSpec[] = [demoCommand, trainCommand, evaluateCommand, predictCommand, detectCommand, scheduleCommand, serveCommand, simulateCommand, inspectCommand];
