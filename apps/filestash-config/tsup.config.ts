import { appBuildConfig } from '../../tsup.app.js';

export default appBuildConfig();
