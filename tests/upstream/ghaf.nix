# Evaluate a Ghaf laptop host, with its VMs, inside Ghaf's real modules.
#
#   import ./ghaf.nix {
#     upstream = /path/to/shared/upstream;  # laid out like ../shared/upstream (README there)
#     rendered = /path/to/render/out;       # `ghafmemgen render` output; null: Ghaf alone
#     hostModules = [ ];                    # more host modules (overrides, experiments)
#     encryption = false;                   # ghaf.storage.encryption.enable
#     replacementFiles = false;             # the fork way: rendered vm-swap.nix in place of
#                                           # Ghaf's, rendered appvm-base.nix in every app VM
#     appvmBase = null;                     # with replacementFiles: the forked Ghaf
#                                           # appvm-base.nix (its memory lines removed)
#     appVms = null; sysVms = null;         # VM keys to enable (chrome, netvm...); null: the
#                                           # keys of the rendered vm-config.nix, else Ghaf's
#   }
#
# gives the host's lib.evalModules result (config, options, ...), shaped like a NixOS host:
# config.microvm.vms.<name>-vm.evaluatedConfig.config is each guest, as Ghaf builds it
# (laptop-x86's mkAppVm / *vmBase.extendModules with lib.ghaf.vm.applyVmConfig), plus
# `summary`, the memory values of each VM and of the host that the tests compare with the plan.
{
  upstream,
  rendered ? null,
  hostModules ? [ ],
  encryption ? false,
  replacementFiles ? false,
  appvmBase ? null,
  appVms ? null,
  sysVms ? null,
}:
let
  lib = import ./lib.nix upstream;
  stubs = import ./stubs.nix;
  ghaf = upstream + "/ghaf/modules";
  microvmNix = upstream + "/microvm.nix/nixos-modules";

  renderedFile = name: if rendered == null then null else rendered + "/${name}";
  optionalFile = name: lib.optional (rendered != null) (renderedFile name);

  # The rendered vm-config.nix read on its own, for the VM keys it names.
  renderedVmConfig =
    if rendered == null then
      { }
    else
      (import (renderedFile "vm-config.nix") {
        inherit lib;
        config = { };
      }).ghaf.virtualization.vmConfig;
  keysOf = group: builtins.attrNames (renderedVmConfig.${group} or { });

  laptopSysVms = [
    "adminvm"
    "audiovm"
    "guivm"
    "netvm"
  ];
  wantedSysVms = if sysVms != null then sysVms else lib.unique (laptopSysVms ++ keysOf "sysvms");
  wantedAppVms = if appVms != null then appVms else keysOf "appvms";

  # The app VMs of Ghaf's reference modules (modules/reference/appvms): their vmDef, read by
  # calling each module with a mkAppVm that returns its argument. Only the memory fields are
  # kept: the application modules they import live outside the pinned trees.
  referenceDir = ghaf + "/reference/appvms";
  referenceVmDefs = lib.foldl' (a: b: a // b) { } (
    map (
      file:
      let
        module = import (referenceDir + "/${file}") {
          inherit lib;
          pkgs = stubs.pkgs;
          inputs = { };
          config = {
            ghaf.reference.appvms = lib.genAttrs [
              "business"
              "chrome"
              "chromium"
              "comms"
              "flatpak"
              "gala"
              "media"
            ] (_: { enable = true; });
            ghaf.profiles.laptop-x86 = {
              enable = true;
              mkAppVm = vmDef: vmDef;
            };
          };
        };
        body = if (module.config._type or null) == "if" then module.config.content else module.config;
      in
      lib.mapAttrs (
        _: vm:
        lib.filterAttrs (
          field: _:
          lib.elem field [
            "name"
            "mem"
            "vcpu"
            "balloonRatio"
          ]
        ) vm.evaluatedConfig
      ) (body.ghaf.virtualization.microvm.appvm.vms or { })
    ) (builtins.filter (f: f != "default.nix") (builtins.attrNames (builtins.readDir referenceDir)))
  );

  vmSwap = if replacementFiles then renderedFile "vm-swap.nix" else ghaf + "/microvm/common/vm-swap.nix";
  appvmBaseModules =
    if replacementFiles then
      [
        (if appvmBase != null then appvmBase else throw "replacementFiles needs appvmBase (a forked appvm-base.nix)")
        (renderedFile "appvm-base.nix")
      ]
    else
      [ (ghaf + "/microvm/sysvms/appvm-base.nix") ];

  empty = { };
  inputs = {
    nixpkgs = upstream + "/nixpkgs-lib";
    preservation.nixosModules.preservation = empty;
    self.nixosModules = {
      microvm-nix = microvmNix + "/microvm/options.nix";
      vm-modules.imports = [ vmSwap ];
      appvm-base.imports = appvmBaseModules;
      adminvm-base = ghaf + "/microvm/sysvms/adminvm-base.nix";
      audiovm-base = ghaf + "/microvm/sysvms/audiovm-base.nix";
      guivm-base = ghaf + "/microvm/sysvms/guivm-base.nix";
      idsvm-base = ghaf + "/microvm/sysvms/idsvm/idsvm-base.nix";
      netvm-base = ghaf + "/microvm/sysvms/netvm-base.nix";
      # Features without memory settings (givc, kernels, desktop, passthrough...).
      adminvm-features = empty;
      audiovm-features = empty;
      givc = empty;
      guivm-desktop-features = empty;
      guivm-features = empty;
      hardware-x86_64-guest-kernel = empty;
      netvm-features = empty;
      profiles = empty;
    };
  };

  harnessHost =
    { config, lib, ... }:
    {
      options.ghaf = {
        global-config = lib.mkOption {
          type = lib.types.globalConfig;
          default = { };
        };
        storage.encryption = {
          enable = lib.mkOption {
            type = lib.types.bool;
            default = false;
          };
          deferred = lib.mkOption {
            type = lib.types.bool;
            default = false;
          };
        };
      };
      config = {
        _module.args.inputs = inputs;
        nixpkgs = {
          overlays = [ ];
          config = { };
        };
        microvm.stateDir = "/var/lib/microvms";
        ghaf = {
          profiles.laptop-x86.enable = true;
          profiles.debug.enable = false;
          microvm-boot.enable = false;
          partitioning.disko.enable = true;
          partitioning.verity.enable = false;
          storage.encryption.enable = encryption;
          virtualization.microvm = {
            appvm.enable = true;
            appvm.vms = lib.genAttrs wantedAppVms (name: {
              enable = true;
              evaluatedConfig = config.ghaf.profiles.laptop-x86.mkAppVm (
                referenceVmDefs.${name} or { inherit name; }
              );
            });
          }
          // lib.genAttrs (lib.subtractLists laptopSysVms wantedSysVms) (
            vmName:
            {
              enable = lib.mkForce true;
              evaluatedConfig = config.ghaf.profiles.laptop-x86."${vmName}Base".extendModules {
                modules = lib.ghaf.vm.applyVmConfig { inherit config vmName; };
              };
            }
          );
        };
      };
    };

  host = lib.evalModules {
    modules = [
      stubs.host
      harnessHost
      (microvmNix + "/host/options.nix")
      (ghaf + "/microvm/vm-config.nix")
      (ghaf + "/microvm/appvm.nix")
      (ghaf + "/microvm/sysvm-registry.nix")
      (ghaf + "/microvm/sysvms/adminvm.nix")
      (ghaf + "/microvm/sysvms/audiovm.nix")
      (ghaf + "/microvm/sysvms/guivm.nix")
      (ghaf + "/microvm/sysvms/idsvm/idsvm.nix")
      (ghaf + "/microvm/sysvms/netvm.nix")
      (ghaf + "/microvm/host/mem-manager.nix")
      (ghaf + "/profiles/laptop-x86.nix")
      (ghaf + "/reference/hardware/intel-laptop/extra-config-host.nix")
      (ghaf + "/partitioning/disko-debug-partition.nix")
    ]
    ++ optionalFile "vm-config.nix"
    ++ optionalFile "host-swap.nix"
    ++ hostModules;
  };

  inherit (host) config;

  guestSummary =
    guest:
    let
      inherit (guest) microvm zramSwap;
    in
    {
      inherit (microvm)
        mem
        vcpu
        balloon
        deflateOnOOM
        hypervisor
        ;
      zram = {
        inherit (zramSwap)
          enable
          algorithm
          memoryPercent
          priority
          ;
      };
      swappiness = guest.boot.kernel.sysctl."vm.swappiness" or null;
    };

  memManagers = lib.mapAttrs' (name: unit: {
    name = lib.removePrefix "ghaf-mem-manager-" name;
    value = unit.serviceConfig.ExecStart;
  }) (lib.filterAttrs (name: _: lib.hasPrefix "ghaf-mem-manager-" name) config.systemd.services);

  swapLv = config.disko.devices.lvm_vg.pool.lvs.swap;
in
host
// {
  summary = {
    vms = lib.mapAttrs (_: entry: guestSummary (lib.ghaf.vm.getConfig entry)) config.microvm.vms;
    memManagers = memManagers;
    swap = {
      swapSize = config.ghaf.partitioning.disko.swapSize;
      lv = {
        inherit (swapLv) size;
        inherit (swapLv.content) type resumeDevice randomEncryption;
      };
    };
  };
}
