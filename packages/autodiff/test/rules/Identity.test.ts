import { ruleSuite } from '../helpers/rule-case.js';
import { Identity } from './cases/structure.js';

ruleSuite('Identity', Identity);
