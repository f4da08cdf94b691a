import { ruleSuite } from '../helpers/rule-case.js';
import { Clip } from './cases/activation.js';

ruleSuite('Clip', Clip);
