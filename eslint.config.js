// ESLint for the project's JavaScript (the race player, the stability map, the notebook widget) (flat config; versions pinned in package.json).
import js from "@eslint/js";
import globals from "globals";

export default [
  { ignores: ["node_modules/", "optviz/views/player/static/", "optviz/views/map_static/map.js", "out/"] },
  js.configs.recommended,
  {
    files: ["optviz/views/player/src/**/*.js", "optviz/views/map_static/**/*.js", "optviz/notebook/**/*.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.browser },
    rules: {
      eqeqeq: "error",
      "no-var": "error",
      "prefer-const": "error",
      "no-unused-vars": ["error", { args: "after-used" }],
      "no-shadow": "error",
      "no-implicit-globals": "error",
    },
  },
  {
    files: ["scripts/**/*.mjs", "tests/js/**/*.js", "tests/js/**/*.mjs", "eslint.config.js"],
    languageOptions: { ecmaVersion: 2022, sourceType: "module", globals: globals.node },
  },
];
