import { ruleSuite } from '../helpers/rule-case.js';
import { Conv } from './cases/Conv.js';

ruleSuite('Conv', Conv);
