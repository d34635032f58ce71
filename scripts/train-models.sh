#!/usr/bin/env bash
# Trains the shipped models, one after another, with the exact commands recorded in each model
# card. Usage: scripts/train-models.sh [NAME...] (default: all). Logs go to models/NAME/train.log.
# Each run is deterministic given its seed, with any number of workers; a run continued with
# --resume ends with exactly the weights of the straight run (the Fashion-MNIST models were made
# that way, in two sittings). Several lines for one model are stages, run in order: each starts
# from the weights the one before it selected (--init-from). Epochs are limited by what a 2-core machine
# could do in a working session (see each model card for the figures the run reached).
set -euo pipefail
cd "$(dirname "$0")/.."
st() { node bin/spikestream.mjs "$@"; }

run() {
  local name=$1; shift
  if [ -n "${ONLY:-}" ] && [[ " $ONLY " != *" $name "* ]]; then return 0; fi
  mkdir -p "models/$name"
  echo "== $name: spikestream train $*" >&2
  # a second stage (--init-from) appends to the first stage's console log instead of replacing it
  local append=()
  [[ " $* " == *" --init-from "* ]] && append=(-a)
  st train "$@" --out "models/$name" 2>&1 | tee "${append[@]}" "models/$name/train.log"
}

ONLY="${*:-}"
run yinyang-ttfs --method ttfs --dataset yinyang-bias --arch 300 --thresholds 0.1,0.5 --input-window 0.4 --lr 0.001 --lr-decay 0.8 --lr-decay-every 15 --tau-loss 0.005 --epochs 100 --workers 0
run yinyang-relaxed --method relaxed --dataset yinyang-bias --arch 300 --thresholds 0.2,0.2 --init=0:2,-2:2 --max-spikes 5,30 --targets 20,3 --bump 1 --input-window 0.6 --window 0.75 --lr-decay 0.8 --lr-decay-every 30 --epochs 300 --workers 0
run mnist-relaxed --method relaxed --dataset mnist --augment-shift 1 --lr-decay 0.7 --lr-decay-every 10 --epochs 30
run mnist-ttfs --method ttfs --dataset mnist --lr 0.003 --augment-shift 1 --hidden-bump 0.0001 --epochs 60
run nmnist-emulated-relaxed --method relaxed --dataset nmnist-emulated --arch 400 --bump 1 --augment-shift 1 --lr-decay 0.7 --lr-decay-every 8 --epochs 30
run nmnist-emulated-relaxed --method relaxed --dataset nmnist-emulated --arch 400 --bump 1 --augment-shift 1 --lr 0.0015 --lr-decay 0.7 --lr-decay-every 10 --epochs 40 --init-from models/nmnist-emulated-relaxed
run nmnist-emulated-ttfs --method ttfs --dataset nmnist-emulated --arch 400 --init=-0.5:1,0:1 --thresholds 2,1 --lr 0.002 --tau-loss 0.02 --hidden-bump 0.0001 --epochs 8
run fashion-mnist-relaxed --method relaxed --dataset fashion-mnist --batch-size 20 --lr 0.001 --epochs 16 --validation-limit 2000
run fashion-mnist-relaxed --method relaxed --dataset fashion-mnist --batch-size 20 --lr 0.0005 --augment-shift 1 --epochs 40 --validation-limit 2000 --init-from models/fashion-mnist-relaxed
run fashion-mnist-relaxed --method relaxed --dataset fashion-mnist --batch-size 10 --lr 0.0002 --lr-decay 1 --augment-shift 1 --average-from 1 --epochs 35 --validation-limit 2000 --init-from models/fashion-mnist-relaxed
run fashion-mnist-relaxed --method relaxed --dataset fashion-mnist --batch-size 5 --lr 0.0001 --lr-decay 1 --augment-shift 1 --average-from 1 --epochs 46 --validation-limit 6000 --init-from models/fashion-mnist-relaxed
run fashion-mnist-ttfs --method ttfs --dataset fashion-mnist --lr 0.002 --hidden-bump 0.0001 --epochs 20 --validation-limit 2000
