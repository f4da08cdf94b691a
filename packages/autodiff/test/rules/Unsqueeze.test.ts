import { ruleSuite } from '../helpers/rule-case.js';
import { Unsqueeze } from './cases/structure.js';

ruleSuite('Unsqueeze', Unsqueeze);
