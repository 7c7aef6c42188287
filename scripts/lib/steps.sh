# Named steps with their wall time, for scripts that CI runs (sourced, not run).
#   step NAME     ends the step before (its time is kept) and starts NAME
#   step_times    the steps ended so far: "NAME N s, NAME N s"
# Print step_times from an EXIT trap (call `step_end` first): CI keeps the tail of its log.
step_times="" step_name="" step_started=$SECONDS
step_end() {
    [ -z "$step_name" ] || step_times+="${step_times:+, }$step_name $((SECONDS - step_started)) s"
    step_name=""
}
step() { step_end; step_name=$1 step_started=$SECONDS; echo "==> $1"; }
