import { ruleSuite } from '../helpers/rule-case.js';
import { Log } from './cases/unary.js';

ruleSuite('Log', Log);
