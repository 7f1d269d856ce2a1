# The lib Ghaf evaluates with: the pinned nixpkgs lib extended by Ghaf's own lib/ (as
# ../shared/upstream/README.md shows), plus a stand-in for `lib.nixosSystem`, which nixpkgs
# defines in its flake rather than in lib/: evalModules over the given modules and the
# NixOS option stubs of ./stubs.nix.
upstream:
let
  nixpkgsLib = import (upstream + "/nixpkgs-lib/lib");
  ghafLib = nixpkgsLib.extend (import (upstream + "/ghaf/lib") { inputs = { }; });
in
ghafLib.extend (
  final: _prev: {
    nixosSystem =
      {
        modules,
        specialArgs ? { },
        ...
      }:
      final.evalModules {
        inherit specialArgs;
        modules = [ (import ./stubs.nix).guest ] ++ modules;
      };
  }
)
