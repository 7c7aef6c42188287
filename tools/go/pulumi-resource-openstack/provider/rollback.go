package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// A create that fails half-way (a server that went to ERROR while booting, a volume that never
// became available) answers an error together with the state of what it created. Terraform
// keeps that state (tainted); the bridge's plugin-framework path drops it and reports a plain
// failure, so Pulumi would never know the object and nothing would ever delete it. The adapter
// therefore deletes such an object before answering: a failed create leaves nothing behind,
// and the answer says what was deleted, or what could not be and must be deleted by hand.

// applyResourceChange is ApplyResourceChange with the rollback of failed creates.
func (p protocolAdapter) applyResourceChange(
	ctx context.Context, req *tfprotov6.ApplyResourceChangeRequest,
) (*tfprotov6.ApplyResourceChangeResponse, error) {
	resp, err := p.ProviderServer.ApplyResourceChange(ctx, req)
	typ, known := p.resourceTypes[req.TypeName]
	if err != nil || resp == nil || !known || !hasError(resp.Diagnostics) {
		return resp, err
	}
	if !isNull(req.PriorState, typ) || isNull(resp.NewState, typ) {
		return resp, err // not a create, or nothing was created
	}
	id := stateID(resp.NewState, typ)
	null, nerr := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, nil))
	if nerr != nil {
		return resp, err
	}
	deleted, derr := p.ProviderServer.ApplyResourceChange(ctx, &tfprotov6.ApplyResourceChangeRequest{
		TypeName:       req.TypeName,
		PriorState:     resp.NewState,
		PlannedState:   &null,
		Config:         &null,
		PlannedPrivate: resp.Private,
		ProviderMeta:   req.ProviderMeta,
	})
	switch {
	case derr != nil:
		resp.Diagnostics = append(resp.Diagnostics, leaked(req.TypeName, id, derr.Error()))
	case deleted != nil && hasError(deleted.Diagnostics):
		resp.Diagnostics = append(resp.Diagnostics, leaked(req.TypeName, id, firstError(deleted.Diagnostics)))
	default:
		// on the error itself: the bridge shows only the errors of a failed create
		for _, d := range resp.Diagnostics {
			if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
				d.Summary += fmt.Sprintf(" (the partly created %s %s was deleted)", req.TypeName, id)
				break
			}
		}
	}
	resp.NewState = &null
	resp.Private = nil
	return resp, nil
}

func leaked(typeName, id, reason string) *tfprotov6.Diagnostic {
	return &tfprotov6.Diagnostic{
		Severity: tfprotov6.DiagnosticSeverityError,
		Summary:  fmt.Sprintf("the partly created %s %s could not be deleted; delete it by hand", typeName, id),
		Detail:   reason,
	}
}

func hasError(diags []*tfprotov6.Diagnostic) bool {
	return firstError(diags) != ""
}

func firstError(diags []*tfprotov6.Diagnostic) string {
	for _, d := range diags {
		if d != nil && d.Severity == tfprotov6.DiagnosticSeverityError {
			return d.Summary + " " + d.Detail
		}
	}
	return ""
}

func isNull(dv *tfprotov6.DynamicValue, typ tftypes.Type) bool {
	if dv == nil {
		return true
	}
	v, err := dv.Unmarshal(typ)
	return err == nil && v.IsNull()
}

// stateID answers the "id" attribute of a state, or "(no id)".
func stateID(dv *tfprotov6.DynamicValue, typ tftypes.Type) string {
	v, err := dv.Unmarshal(typ)
	if err != nil {
		return "(no id)"
	}
	var attrs map[string]tftypes.Value
	if err := v.As(&attrs); err != nil {
		return "(no id)"
	}
	var id string
	if raw, ok := attrs["id"]; !ok || raw.As(&id) != nil || id == "" {
		return "(no id)"
	}
	return id
}
