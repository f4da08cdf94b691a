import { ruleSuite } from '../helpers/rule-case.js';
import { LogSoftmax } from './cases/LogSoftmax.js';

ruleSuite('LogSoftmax', LogSoftmax);
