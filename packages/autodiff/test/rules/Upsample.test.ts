import { ruleSuite } from '../helpers/rule-case.js';
import { Upsample } from './cases/resize.js';

ruleSuite('Upsample', Upsample);
