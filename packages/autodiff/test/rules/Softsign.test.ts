import { ruleSuite } from '../helpers/rule-case.js';
import { Softsign } from './cases/unary.js';

ruleSuite('Softsign', Softsign);
