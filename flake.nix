{
  description = "ghafmemgen: compile one YAML fleet description into Ghaf's memory configuration";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs =
    { self, nixpkgs }:
    let
      inherit (nixpkgs) lib;
      systems = [
        "aarch64-linux"
        "x86_64-linux"
      ];
      forAllSystems = f: lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
      systemOf = pkgs: pkgs.stdenv.hostPlatform.system;

      runtimeDeps =
        ps: with ps; [
          jinja2
          jsonschema
          rich
          ruamel-yaml
          ruamel-yaml-clib
          typer
        ];
      testDeps =
        ps: with ps; [
          hypothesis
          hypothesis-jsonschema
          pytestCheckHook
          pyyaml
        ];

      ghafmemgen =
        pkgs:
        pkgs.python3Packages.buildPythonApplication {
          pname = "ghafmemgen";
          version = "0.1.0";
          pyproject = true;
          src = ./.;
          build-system = [ pkgs.python3Packages.hatchling ];
          dependencies = runtimeDeps pkgs.python3Packages;
          # pyproject.toml caps typer for start-up time; nixpkgs moves at its own pace.
          pythonRelaxDeps = [ "typer" ];
          nativeCheckInputs = [ pkgs.nix ] ++ testDeps pkgs.python3Packages;
          # The generated Nix is checked with the real evaluator, which needs writable state
          # directories inside the build sandbox.
          preCheck = ''
            export HOME="$TMPDIR" GHAFMEMGEN_REQUIRE_NIX=1
            export NIX_STATE_DIR="$TMPDIR/nix/state" NIX_LOG_DIR="$TMPDIR/nix/log"
            export NIX_CONF_DIR="$TMPDIR/nix/etc" NIX_STORE_DIR="$TMPDIR/nix/store"
          '';
          # The suite runs as checks.<system>.default, so building the tool stays quick.
          doCheck = false;
          meta = {
            description = "Compile a YAML fleet description into Ghaf's memory configuration";
            license = lib.licenses.asl20;
            mainProgram = "ghafmemgen";
          };
        };
    in
    {
      packages = forAllSystems (pkgs: {
        default = ghafmemgen pkgs;
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = lib.getExe self.packages.${systemOf pkgs}.default;
        };
      });

      checks = forAllSystems (pkgs: {
        default = self.packages.${systemOf pkgs}.default.overridePythonAttrs { doCheck = true; };
      });

      devShells = forAllSystems (pkgs: {
        default = pkgs.mkShell {
          packages = [
            pkgs.nix
            pkgs.ruff
            pkgs.mypy
            (pkgs.python3.withPackages (ps: runtimeDeps ps ++ testDeps ps))
          ];
        };
      });

      # The extractor of `ghafmemgen import` / `verify`: applied to a Ghaf host's evaluated
      # config, what it will run, memory-wise (docs/import-verify.md). In a Ghaf flake with
      # this flake as input `ghafmemgen`:
      #   memoryTargets = lib.mapAttrs (_: host: ghafmemgen.lib.extract host.config)
      #     self.nixosConfigurations;
      # then `nix eval --json .#memoryTargets.<target> > target.json`.
      lib.extract = import ./ghafmemgen/nix/extract.nix;

      # Build-time code generation inside a Ghaf flake: a derivation whose output is the
      # rendered directory (vm-swap.nix, appvm-base.nix, vm-config.nix, host-swap.nix,
      # host-swap.json, memory-plan.json). The render fails the build on any error finding;
      # pass e.g. extraArgs = [ "--ignore" "GMG031" ] to accept one knowingly.
      lib.generate =
        {
          pkgs,
          fleet,
          profile ? null,
          extraArgs ? [ ],
        }:
        let
          # The headers name the fleet by its base name: keep the user's, not the store's.
          fleetName = baseNameOf (toString fleet);
          args = lib.optionals (profile != null) [
            "--profile"
            profile
          ]
          ++ extraArgs;
        in
        pkgs.runCommand "ghafmemgen-generated"
          { nativeBuildInputs = [ self.packages.${systemOf pkgs}.default ]; }
          ''
            cp ${fleet} ./${lib.escapeShellArg fleetName}
            ghafmemgen render ./${lib.escapeShellArg fleetName} --out "$out" ${lib.escapeShellArgs args}
          '';
    };
}
