import { ruleSuite } from '../helpers/rule-case.js';
import { Sin } from './cases/unary.js';

ruleSuite('Sin', Sin);
