/** For the MikroORM CLI (`npx mikro-orm ...`); the server builds the same options in `src/db/orm.ts`. */
import 'reflect-metadata';
import { ormOptions } from './src/db/orm';

if (!process.env.DATABASE_URL) throw new Error('Set DATABASE_URL to use the MikroORM CLI');
export default ormOptions(process.env.DATABASE_URL);
