# What the pinned trees do not contain: NixOS's own options and packages. Everything outside
# memory is accepted as `anything` (a freeform root), so Ghaf's modules evaluate as written;
# the options that carry memory are declared with nixpkgs' types (zramSwap as
# nixos/modules/config/zram.nix declares it, boot.kernel.sysctl as nixos/modules/config/sysctl.nix).
# Packages are stand-in derivations: only their store paths ever reach a value we read.
let
  fakePackage = name: {
    type = "derivation";
    inherit name;
    pname = name;
    outPath = "/nix/store/00000000000000000000000000000000-${name}";
    meta.mainProgram = name;
  };
  packageNames = [
    "crosvm"
    "ghaf-mem-manager"
    "qemu"
    "qemu_kvm"
  ];
  pkgs = builtins.listToAttrs (
    map (name: {
      inherit name;
      value = fakePackage name;
    }) packageNames
  )
  // {
    stdenv.hostPlatform = {
      system = "x86_64-linux";
      isx86 = true;
      isx86_64 = true;
      isAarch64 = false;
      isDarwin = false;
      isLinux = true;
    };
    system = "x86_64-linux";
    _type = "pkgs"; # what types.pkgs (microvm.vmHostPackages) checks for
  };

  # `anything`, but lazy below every attribute set: `types.anything` merges a whole subtree at
  # once, which loops where a guest reads the host (hostConfig.common) while the host reads
  # the guest (adminvm.nix's spire address); NixOS's real, declared options are lazy there.
  #
  # A freeform root would also swallow a misspelt or missing memory option, which real NixOS
  # refuses; below `closed` paths (namespaces whose options are declared here or upstream)
  # an undeclared definition fails as NixOS fails: "The option `...' does not exist".
  closed = [
    [ "zramSwap" ]
    [ "microvm" ]
    [ "ghaf" "virtualization" "microvm" "swap" ]
    [ "ghaf" "virtualization" "vmConfig" ]
    [ "ghaf" "partitioning" "disko" ]
  ];
  lazyAnything =
    lib:
    let
      inherit (lib) types;
      undeclared =
        loc: defs:
        let
          def = lib.head defs;
          name = lib.head (builtins.attrNames def.value);
        in
        throw "The option `${lib.showOption (loc ++ [ name ])}' does not exist. Definition values:\n- In `${def.file}'";
      self = lib.mkOptionType {
        name = "lazyAnything";
        description = "anything (merged lazily)";
        check = _: true;
        merge =
          loc: defs:
          if lib.elem loc closed then
            undeclared loc defs
          else if lib.all (def: builtins.isAttrs def.value && !lib.isStringLike def.value) defs then
            (types.lazyAttrsOf self).merge loc defs
          else
            types.anything.merge loc defs;
      };
    in
    self;

  # Options every NixOS system (host or guest) has that the memory values pass through.
  nixos =
    { lib, ... }:
    let
      inherit (lib) mkOption types;
    in
    {
      freeformType = types.lazyAttrsOf (lazyAnything lib);
      options = {
        zramSwap = {
          enable = mkOption {
            type = types.bool;
            default = false;
          };
          swapDevices = mkOption {
            type = types.int;
            default = 1;
          };
          memoryPercent = mkOption {
            type = types.int;
            default = 50;
          };
          memoryMax = mkOption {
            type = types.nullOr types.int;
            default = null;
          };
          priority = mkOption {
            type = types.int;
            default = 5;
          };
          writebackDevice = mkOption {
            type = types.nullOr types.path;
            default = null;
          };
          algorithm = mkOption {
            type = types.either (types.enum [
              "lzo"
              "lz4"
              "zstd"
            ]) types.str;
            default = "zstd";
          };
        };
        boot.kernel.sysctl = mkOption {
          type = types.attrsOf (
            types.nullOr (
              types.oneOf [
                types.bool
                types.str
                types.int
              ]
            )
          );
          default = { };
        };
        systemd.services = mkOption {
          type = types.lazyAttrsOf (lazyAnything lib);
          default = { };
        };
      };
      config._module.args.pkgs = lib.mkDefault pkgs;
    };
in
{
  inherit pkgs fakePackage;
  guest = nixos;
  host = nixos;
}
