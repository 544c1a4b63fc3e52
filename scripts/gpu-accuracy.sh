#!/usr/bin/env bash
# Runs ON the GPU host (issue 17): accuracy of a ViT with ViT-Tiny's dims (width 192, 3 heads, d = 64, depth 12),
# patch 2 on 28 px (N = 197), trained in bf16 through the sample's `train` (the ML.NET trainer) on the full
# Fashion-MNIST (scripts/fashion-mnist-full.sh writes the IDX files to DATA). Phases, each skipping the runs whose
# metrics already exist (so a second device call resumes where a first one stopped):
#   recipe   Exact, 10 % of the training images held out: initialisation × clipping × augmentation variants, 2 seeds;
#            the variant of best mean final validation accuracy becomes the recipe (RUNS/recipe/choice.txt)
#   table    from scratch on all 60,000 images with that recipe, 3 seeds per row: Exact; DistrAttention Mean G = 2, 4, 8
#            (l = 64); Sample G = 2; Mean G = 2 with l = 128
#   swapin   each Exact model evaluated on the test set with DistrAttention (no training): G = 2, 4, 8, Mean, l = 64
#   finetune each Exact model trained FINETUNE_EPOCHS more epochs with DistrAttention G = 2 (Mean, l = 64), and with Exact
#            attention as the control (the same extra training)
# The swap-in and the fine-tune need the Exact models; one recorded by an earlier call (its model did not come back) is
# trained again into RUNS/rerun, and the log compares its test accuracy with the record (training is deterministic).
# A phase launches a run only while the time left (DEADLINE_S from the start) covers the run's estimated time.
# Results: every run's metrics.json / evaluation.json under RUNS (kept on the host between calls while it stays warm),
# copied to $OUT/accuracy-runs.tgz (without models) with the log; the models of Exact seed 1 and Mean G = 2 seed 1 come
# back split into 15 MB parts ($OUT/model-*.part-*) for the real-activation error tables (bench/reference --real).
# Environment: OUT, DATA (default .fmnist), RUNS (default .accuracy-runs), DEADLINE_S (default 540), PARALLEL
# (concurrent runs on the one GPU, default 3), EPOCHS (table, default 10), RECIPE_EPOCHS (default 4),
# FINETUNE_EPOCHS (default 2), PHASES (default "recipe table swapin finetune"), SEEDS (default "1 2 3").
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
START=$(date +%s)
OUT=${OUT:-$ROOT/gpu-results}
DATA=${DATA:-$ROOT/.fmnist}
RUNS=${RUNS:-$ROOT/.accuracy-runs}
DEADLINE_S=${DEADLINE_S:-540}
PARALLEL=${PARALLEL:-3}
EPOCHS=${EPOCHS:-10}
RECIPE_EPOCHS=${RECIPE_EPOCHS:-4}
FINETUNE_EPOCHS=${FINETUNE_EPOCHS:-2}
PHASES=${PHASES:-recipe table swapin finetune}
SEEDS=${SEEDS:-1 2 3}
APP=$ROOT/.gpu-bundle/distrattention-gpu
mkdir -p "$OUT" "$RUNS/logs"
LOG=$OUT/accuracy.log
want() { case " $PHASES " in *" $1 "*) return 0 ;; esac; return 1; }
say() { echo "[$(( $(date +%s) - START ))s] $*" | tee -a "$LOG"; }

[ -x "$APP" ] || { say "missing $APP (scripts/gpu-bundle.sh)"; exit 1; }
[ -n "$(ls "$DATA"/train-images* 2>/dev/null)" ] || { say "missing the full Fashion-MNIST in $DATA (scripts/fashion-mnist-full.sh; carried by an earlier call?)"; exit 2; }
# The host's libtorch for TorchSharp, and the native library (built by gpu-kernel-suite.sh or here).
export DISTRATTENTION_LIBTORCH=${DISTRATTENTION_LIBTORCH:-$(python3 -c "import os, torch; print(os.path.join(os.path.dirname(torch.__file__), 'lib'))")}
if [ -z "${DISTRATTENTION_NATIVE:-}" ]; then
  [ -f native/cuda/build-gpu/libdistr_attention.so ] || OUT="$OUT/kernel" bash scripts/gpu-kernel-suite.sh build >"$OUT/native-build.txt" 2>&1
  export DISTRATTENTION_NATIVE=$ROOT/native/cuda/build-gpu/libdistr_attention.so
fi
export DISTRATTENTION_CACHE=${DISTRATTENTION_CACHE:-$RUNS/.cache}
nvidia-smi --query-gpu=name,memory.used,memory.total --format=csv,noheader >>"$LOG" 2>&1

MODEL=(--preset Tiny --image-size 28 --patch-size 2 --channels 1 --batch-size 256 --device cuda --precision BFloat16
       --threads 4)
LR=${LR:-1e-3}
# Seconds a run of E epochs is expected to take: measured per epoch by the first finished run, 30 s until then.
epoch_seconds=30
estimate() { echo $(( $1 * epoch_seconds + 40 )); }
learn_epoch_seconds() { # from a finished run's metrics.json: training seconds / epochs (the slowest seen)
  local s
  s=$(python3 -c "import json,sys; m=json.load(open(sys.argv[1])); print(int(m['trainingSeconds'] / max(1, len(m['epochs'])) + 1))" "$1" 2>/dev/null) || return 0
  [ -n "$s" ] && [ "$s" -gt "$epoch_seconds" -o "$epoch_seconds" -eq 30 ] && epoch_seconds=$s
}
declare -A running=()  # pid -> output folder
reap() {
  local pid
  for pid in "${!running[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      wait "$pid"; local rc=$?
      say "done $(basename "${running[$pid]}") rc=$rc"
      [ -f "${running[$pid]}/metrics.json" ] && learn_epoch_seconds "${running[$pid]}/metrics.json"
      unset "running[$pid]"
    fi
  done
}
slot() { while [ ${#running[@]} -ge "$PARALLEL" ]; do sleep 2; reap; done; }
# launch FOLDER EPOCHS ARGS...: one `sample train` (or evaluate, with EPOCHS 0) unless its result is there.
launch() {
  local dir=$1 epochs=$2; shift 2
  local result=$dir/metrics.json
  [ "$epochs" -eq 0 ] && result=$dir/evaluation.json
  if [ -f "$result" ]; then say "have $(basename "$dir")"; return 0; fi
  slot
  local left=$(( DEADLINE_S - ($(date +%s) - START) ))
  if [ "$left" -lt "$(estimate "$epochs")" ]; then say "skip $(basename "$dir"): ${left}s left < estimate $(estimate "$epochs")s"; return 1; fi
  mkdir -p "$(dirname "$dir")"
  say "start $(basename "$dir") ($epochs epochs): $*"
  "$APP" sample "$@" >"$RUNS/logs/$(basename "$(dirname "$dir")")-$(basename "$dir").txt" 2>&1 &
  running[$!]=$dir
}
drain() { while [ ${#running[@]} -gt 0 ]; do sleep 2; reap; done; }

# --- recipe: chosen on validation accuracy (Exact, 10 % held out) ---------------------------------------------------
declare -A RECIPES=(
  [timm-clip1]="--init timm --max-grad-norm 1"
  [pytorch-clip1]="--init pytorch --max-grad-norm 1"
  [pytorch-noclip]="--init pytorch --max-grad-norm 0"
  [pytorch-clip1-augment]="--init pytorch --max-grad-norm 1 --augment"
  [pytorch-clip1-warmup3]="--init pytorch --max-grad-norm 1 --warmup-epochs 3"
)
if want recipe; then
  for seed in 1 2; do
    for name in "${!RECIPES[@]}"; do
      # shellcheck disable=SC2086  # the recipe is a list of options
      launch "$RUNS/recipe/$name-s$seed" "$RECIPE_EPOCHS" train -d "$DATA" "${MODEL[@]}" --learning-rate "$LR" --attention exact \
        --epochs "$RECIPE_EPOCHS" --validation-fraction 0.1 --seed "$seed" ${RECIPES[$name]} -o "$RUNS/recipe/$name-s$seed"
    done
  done
  drain
fi
choice=$RUNS/recipe/choice.txt
if [ ! -f "$choice" ]; then
  python3 - "$RUNS/recipe" "$choice" <<'EOF' 2>>"$LOG"
import json, os, statistics, sys
root, out = sys.argv[1], sys.argv[2]
scores = {}
for run in sorted(os.listdir(root)):
    path = os.path.join(root, run, "metrics.json")
    if not os.path.isfile(path):
        continue
    name = run.rsplit("-s", 1)[0]
    epochs = json.load(open(path))["epochs"]
    scores.setdefault(name, []).append(epochs[-1]["validationAccuracy"])
complete = {k: v for k, v in scores.items() if len(v) >= 2}
if complete:
    best = max(complete, key=lambda k: statistics.mean(complete[k]))
    open(out, "w").write(best + "\n")
    for k, v in sorted(complete.items(), key=lambda kv: -statistics.mean(kv[1])):
        print(f"recipe {k}: validation {statistics.mean(v):.4f} ({', '.join(f'{x:.4f}' for x in v)})")
EOF
fi
recipe=$(cat "$choice" 2>/dev/null || echo pytorch-clip1)
say "recipe: $recipe (${RECIPES[$recipe]})"
read -r -a RECIPE_ARGS <<<"${RECIPES[$recipe]}"

# --- table: from scratch, 3 seeds per row -----------------------------------------------------------------------------
declare -A ROWS=(
  [exact]="--attention exact"
  [mean-g2-l64]="--attention distr --mode Mean -G 2 --block-size 64"
  [mean-g4-l64]="--attention distr --mode Mean -G 4 --block-size 64"
  [mean-g8-l64]="--attention distr --mode Mean -G 8 --block-size 64"
  [sample-g2-l64]="--attention distr --mode Sample -G 2 --block-size 64"
  [mean-g2-l128]="--attention distr --mode Mean -G 2 --block-size 128"
)
ROW_ORDER=(exact mean-g2-l64 mean-g4-l64 mean-g8-l64 sample-g2-l64 mean-g2-l128)
# table_run ROW SEED FOLDER: the table's run of ROW and SEED, written to FOLDER.
table_run() {
  # shellcheck disable=SC2086
  launch "$3" "$EPOCHS" train -d "$DATA" "${MODEL[@]}" --learning-rate "$LR" ${ROWS[$1]} "${RECIPE_ARGS[@]}" \
    --epochs "$EPOCHS" --validation-fraction 0 --seed "$2" -o "$3"
}
# Models do not come back from a device call (only metrics do), so an Exact run recorded by an earlier call is run
# again into RUNS/rerun for the swap-in and the fine-tune (first, so that they can start early). Training is
# deterministic: the rerun's test accuracy must equal the recorded one, and the log says whether it does.
if want swapin || want finetune; then
  for seed in $SEEDS; do
    recorded=$RUNS/table/exact-s$seed
    if [ -f "$recorded/metrics.json" ] && [ ! -f "$recorded/model.zip" ]; then table_run exact "$seed" "$RUNS/rerun/exact-s$seed"; fi
  done
fi
if want table; then
  for seed in $SEEDS; do
    for row in "${ROW_ORDER[@]}"; do table_run "$row" "$seed" "$RUNS/table/$row-s$seed"; done
  done
fi
drain
for seed in $SEEDS; do
  rerun=$RUNS/rerun/exact-s$seed
  [ -f "$rerun/metrics.json" ] || continue
  say "$(python3 -c "import json,sys; a,b=(json.load(open(p))['test']['accuracy'] for p in sys.argv[1:]); print(f'rerun of exact-s$seed: test accuracy {b:.4f}, recorded {a:.4f}: ' + ('the same' if a == b else 'DIFFERENT'))" "$RUNS/table/exact-s$seed/metrics.json" "$rerun/metrics.json")"
done

# --- swap-in and fine-tune from the Exact models -----------------------------------------------------------------------
for seed in $SEEDS; do
  exact=$RUNS/table/exact-s$seed
  [ -f "$exact/model.zip" ] || exact=$RUNS/rerun/exact-s$seed
  [ -f "$exact/model.zip" ] || { [ -f "$RUNS/table/exact-s$seed/metrics.json" ] && say "no Exact model for seed $seed: swap-in and fine-tune skipped"; continue; }
  if want swapin; then
    for G in 2 4 8; do
      # evaluation.json records the model (table/ or rerun/exact-sN) that the report compares with.
      launch "$RUNS/swapin/mean-g$G-l64-s$seed" 0 evaluate -m "$exact" -d "$DATA" --device cuda \
        --attention distr --mode Mean --group-size "$G" --block-size 64 -o "$RUNS/swapin/mean-g$G-l64-s$seed"
    done
  fi
  if want finetune; then
    # DistrAttention G = 2, and the control: the same extra epochs with Exact attention, so that the gain of training
    # longer is not credited to DistrAttention.
    for ft in mean-g2-l64 exact; do
      # shellcheck disable=SC2086
      launch "$RUNS/finetune/$ft-s$seed" "$FINETUNE_EPOCHS" train -d "$DATA" "${MODEL[@]}" ${ROWS[$ft]} \
        --fine-tune "$exact" --learning-rate 2e-4 --warmup-epochs 0 \
        --epochs "$FINETUNE_EPOCHS" --validation-fraction 0 --seed "$seed" -o "$RUNS/finetune/$ft-s$seed"
    done
  fi
done
drain

# --- what comes back (base.txt: the model of an evaluation made before evaluation.json recorded it) ---------------------
(cd "$RUNS" && find . \( -name metrics.json -o -name metrics.md -o -name evaluation.json -o -name choice.txt -o -name base.txt \) -print0 \
   | tar czf "$OUT/accuracy-runs.tgz" --null -T - logs)
for m in exact mean-g2-l64; do
  zip=$RUNS/table/$m-s1/model.zip
  [ -f "$zip" ] && split -b 15M -d "$zip" "$OUT/model-$m-s1.zip.part-"
done
say "finished; runs with metrics: $(find "$RUNS" -name metrics.json | wc -l), evaluations: $(find "$RUNS" -name evaluation.json | wc -l)"
python3 - "$RUNS" <<'EOF' | tee -a "$LOG"
import json, os, statistics, sys
root = sys.argv[1]
rows = {}
for phase in ("table", "finetune", "swapin"):
    d = os.path.join(root, phase)
    if not os.path.isdir(d):
        continue
    for run in sorted(os.listdir(d)):
        for f in ("metrics.json", "evaluation.json"):
            p = os.path.join(d, run, f)
            if os.path.isfile(p):
                m = json.load(open(p))
                acc = m["test"]["accuracy"] if "test" in m else m["accuracy"]
                rows.setdefault(f"{phase}/{run.rsplit('-s', 1)[0]}", []).append(acc)
for k, v in rows.items():
    sd = statistics.stdev(v) if len(v) > 1 else 0.0
    print(f"{k:28s} n={len(v)} mean {100 * statistics.mean(v):.2f} ± {100 * sd:.2f}  ({', '.join(f'{100 * x:.2f}' for x in v)})")
EOF
