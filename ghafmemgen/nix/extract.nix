# ghafmemgen's extractor: what an evaluated Ghaf host configuration will run, memory-wise.
#
#   nix eval --json .#nixosConfigurations.<target>.config \
#     --apply "import $(ghafmemgen extractor)" > target.json
#
# Applied to a host's evaluated `config`, it returns a small attribute set for `ghafmemgen
# import` and `ghafmemgen verify` (format in docs/import-verify.md). It reads only the
# attributes below, each behind `or`, so the rest of the system is never forced: evaluating a
# whole NixOS system is slow, and attributes unrelated to memory may not evaluate at all.
# Builtins only: the function gets nothing but `config`.
config:
let
  inherit (builtins)
    attrNames
    concatMap
    length
    listToAttrs
    mapAttrs
    ;

  # Ghaf's lib.ghaf.vm.getConfig: the guest's NixOS config of one microvm.vms entry.
  guestOf =
    entry:
    if (entry.evaluatedConfig or null) != null then
      entry.evaluatedConfig.config
    else if (entry.config or null) != null then
      entry.config.config
    else
      null;

  # App VMs as appvm.nix declares them: microvm.vms."${vm.name}-vm" for each enabled VM.
  appVms = config.ghaf.virtualization.microvm.appvm.enabledVms or { };
  appByVmName = listToAttrs (
    map (key: {
      name = "${appVms.${key}.name or key}-vm";
      value = appVms.${key};
    }) (attrNames appVms)
  );

  pick =
    set: names:
    listToAttrs (
      map (name: {
        inherit name;
        value = set.${name} or null;
      }) names
    );

  extractVm =
    name: entry:
    let
      guest = guestOf entry;
      app = appByVmName.${name} or null;
      microvm = guest.microvm or null;
      zram = guest.zramSwap or null;
    in
    {
      kind = if app != null then "app" else "system";
      microvm =
        if microvm == null then
          null
        else
          pick microvm [
            "mem"
            "vcpu"
            "balloon"
            "deflateOnOOM"
            "hypervisor"
          ];
      # The vmDef as the host sees it (the balloon floor ghaf-mem-manager keeps).
      vmDef =
        if app == null then
          null
        else
          pick app [
            "mem"
            "balloonRatio"
          ];
      zramSwap =
        if zram == null then
          null
        else
          pick zram [
            "enable"
            "algorithm"
            "memoryPercent"
            "priority"
          ];
      swappiness = guest.boot.kernel.sysctl."vm.swappiness" or null;
      passthrough = if microvm == null then null else length (microvm.devices or [ ]) > 0;
    };

  # The disko swap volumes: an LV named swap in any volume group (Ghaf's is pool/swap), or a
  # GPT partition named swap.
  devices = config.disko.devices or { };
  swapVolume = path: volume: {
    inherit path;
    size = volume.size or null;
    resumeDevice = volume.content.resumeDevice or null;
    randomEncryption = volume.content.randomEncryption or null;
  };
  lvmSwaps = concatMap (
    vg:
    let
      lv = devices.lvm_vg.${vg}.lvs.swap or null;
    in
    if lv == null then [ ] else [ (swapVolume "disko.devices.lvm_vg.${vg}.lvs.swap" lv) ]
  ) (attrNames (devices.lvm_vg or { }));
  gptSwaps = concatMap (
    disk:
    let
      part = devices.disk.${disk}.content.partitions.swap or null;
    in
    if part == null then
      [ ]
    else
      [ (swapVolume "disko.devices.disk.${disk}.content.partitions.swap" part) ]
  ) (attrNames (devices.disk or { }));

  # ghaf.virtualization.vmConfig without extraModules (modules are functions, not JSON).
  vmConfig = config.ghaf.virtualization.vmConfig or null;
  vmConfigOut =
    if vmConfig == null then
      null
    else
      {
        defaultSysVmVmm = vmConfig.defaultSysVmVmm or null;
        defaultAppVmVmm = vmConfig.defaultAppVmVmm or null;
        sysvms = mapAttrs (
          _: vm:
          pick vm [
            "mem"
            "vcpu"
            "vmm"
          ]
        ) (vmConfig.sysvms or { });
        appvms = mapAttrs (
          _: vm:
          pick vm [
            "mem"
            "vcpu"
            "vmm"
            "balloonRatio"
          ]
        ) (vmConfig.appvms or { });
      };
in
{
  format = "ghafmemgen-target";
  formatVersion = 1;
  host = {
    swapSize = config.ghaf.partitioning.disko.swapSize or null;
    swapVolumes = lvmSwaps ++ gptSwaps;
    vmConfig = vmConfigOut;
  };
  vms = mapAttrs extractVm (config.microvm.vms or { });
}
