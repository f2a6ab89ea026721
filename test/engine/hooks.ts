// Root hooks of `npm run test:engine` (test/engine/.mocharc.json): each test's Pulumi workspaces
// (state, encrypted test secrets, plugins) are removed after it, whether it passed or not.
import { removeWorkspaces } from "../../scripts/lib/engine";

export const mochaHooks = {
    afterEach(): void {
        removeWorkspaces();
    },
};
