# A stand-in for the few nixpkgs `lib` functions the generated modules use, and a tiny
# module evaluator, so tests can evaluate the rendered files with plain nix-instantiate
# (no nixpkgs). What Ghaf makes of the output is proven with the real modules in
# tests/upstream/; this covers only what those do not (see tests/unit/emit/test_nix.py).
# It keeps what the tests depend on from the real module system:
#   - priorities: a plain definition is 100, mkDefault 1000, mkForce 50, an option default
#     1500; the lowest number wins, and different values at the winning priority conflict;
#   - mkIf conditions are evaluated lazily per definition, so `config = mkIf cfg.enable` can
#     read the option it is guarded by;
#   - declared options check their default and definitions against their type.
# evalModules returns { config; priorities; } for the definitions that are in effect.
let
  inherit (builtins)
    all
    attrNames
    concatMap
    filter
    foldl'
    groupBy
    head
    isAttrs
    length
    mapAttrs
    tail
    ;

  type = name: check: { inherit name check; };
  types = {
    bool = type "bool" builtins.isBool;
    int = type "int" builtins.isInt;
    str = type "str" builtins.isString;
    ints = {
      positive = type "positive int" (v: builtins.isInt v && v > 0);
      between = lo: hi: type "int between ${toString lo} and ${toString hi}" (
        v: builtins.isInt v && v >= lo && v <= hi
      );
    };
  };

  lib = rec {
    inherit types;
    mkOption = attrs: attrs // { _type = "option"; };
    mkEnableOption = what: mkOption {
      default = false;
      description = "Whether to enable ${what}.";
      type = types.bool;
    };
    mkIf = condition: content: {
      _type = "if";
      inherit condition content;
    };
    mkOverride = priority: content: {
      _type = "override";
      inherit priority content;
    };
    mkDefault = mkOverride 1000;
    mkForce = mkOverride 50;
  };

  kind = v: if isAttrs v then v._type or null else null;

  # Definitions -> leaves { path; conds; prio; value; }; conditions stay unevaluated.
  flatten =
    path: conds: prio: v:
    if kind v == "if" then
      flatten path (conds ++ [ v.condition ]) prio v.content
    else if kind v == "override" then
      flatten path conds v.priority v.content
    else if isAttrs v && kind v == null then
      concatMap (n: flatten (path ++ [ n ]) conds prio v.${n}) (attrNames v)
    else
      [
        {
          inherit path conds prio;
          value = v;
        }
      ];

  # Option declarations -> [ { path; option; } ].
  declarations =
    path: v:
    if kind v == "option" then
      [
        {
          inherit path;
          option = v;
        }
      ]
    else if isAttrs v then
      concatMap (n: declarations (path ++ [ n ]) v.${n}) (attrNames v)
    else
      [ ];

  # [ { path; value; } ] -> nested attribute set.
  nest =
    items:
    mapAttrs (
      _: group:
      let
        here = filter (i: length i.path == 1) group;
      in
      if here != [ ] then (head here).value else nest (map (i: i // { path = tail i.path; }) group)
    ) (groupBy (i: head i.path) items);

  key = path: builtins.toJSON path;

  # The definitions below declared options only, walking the declarations rather than the
  # values, so a value that reads `config` is not forced while `config` is being built.
  guided =
    guide: path: conds: prio: v:
    if guide == true && kind v == "if" then
      guided guide path (conds ++ [ v.condition ]) prio v.content
    else if guide == true && kind v == "override" then
      guided guide path conds v.priority v.content
    else if guide == true then
      [
        {
          inherit path conds prio;
          value = v;
        }
      ]
    else if kind v == "if" then
      guided guide path (conds ++ [ v.condition ]) prio v.content
    else if kind v == "override" then
      guided guide path conds v.priority v.content
    else if isAttrs v then
      concatMap (n: guided guide.${n} (path ++ [ n ]) conds prio v.${n}) (
        filter (n: guide ? ${n}) (attrNames v)
      )
    else
      [ ];

  # Among the leaves of one path: the value in effect and its priority.
  winner =
    types: k: leaves:
    let
      ls = filter (l: all (c: c) l.conds) leaves;
      best = foldl' (m: l: if l.prio < m then l.prio else m) 9999 ls;
      top = filter (l: l.prio == best) ls;
      value = (head top).value;
      t = types.${k} or null;
    in
    if ls == [ ] then
      throw "harness: ${k} has no definition in effect"
    else if !(all (l: l.value == value) top) then
      throw "harness: conflicting definitions of ${k} at priority ${toString best}"
    else if t != null && !(t.check value) then
      throw "harness: ${k} is not of type ${t.name}"
    else
      {
        inherit value;
        priority = best;
      };

  evalModules =
    {
      modules,
      args ? { },
    }:
    let
      call = m: if builtins.isFunction m then m ({ inherit lib config; } // args) else m;
      results = map (m: call (if builtins.isPath m then import m else m)) modules;
      isFull = r: r ? config || r ? options;
      definitions = r: if isFull r then r.config or { } else r;
      declared = concatMap (r: declarations [ ] (r.options or { })) results;
      typeOf = builtins.listToAttrs (
        map (d: {
          name = key d.path;
          value = d.option.type or null;
        }) declared
      );
      defaults = map (d: {
        inherit (d) path;
        conds = [ ];
        prio = 1500;
        value = d.option.default;
      }) (filter (d: d.option ? default) declared);
      declTree = nest (
        map (d: {
          inherit (d) path;
          value = true;
        }) declared
      );
      # What the modules read: the declared options, resolved on demand.
      optionLeaves = groupBy (l: key l.path) (
        concatMap (r: guided declTree [ ] [ ] 100 (definitions r)) results ++ defaults
      );
      config = nest (
        map (k: {
          path = builtins.fromJSON k;
          value = (winner typeOf k optionLeaves.${k}).value;
        }) (attrNames optionLeaves)
      );
      # What the tests read: every definition in effect.
      groups = groupBy (l: key l.path) (
        concatMap (r: flatten [ ] [ ] 100 (definitions r)) results ++ defaults
      );
      effective = filter (k: filter (l: all (c: c) l.conds) groups.${k} != [ ]) (attrNames groups);
      resolved =
        field:
        nest (
          map (k: {
            path = builtins.fromJSON k;
            value = (winner typeOf k groups.${k}).${field};
          }) effective
        );
    in
    {
      config = resolved "value";
      priorities = resolved "priority";
    };
in
{
  inherit lib evalModules;
}
