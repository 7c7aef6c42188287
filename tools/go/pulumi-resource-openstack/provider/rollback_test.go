package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

var serverType = tftypes.Object{AttributeTypes: map[string]tftypes.Type{"id": tftypes.String, "name": tftypes.String}}

// fakeServer fails every create after creating the object, and records the deletes.
type fakeServer struct {
	tfprotov6.ProviderServer
	deleteFails bool
	deletes     []string
}

func dynamic(t *testing.T, v tftypes.Value) *tfprotov6.DynamicValue {
	dv, err := tfprotov6.NewDynamicValue(serverType, v)
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

func (f *fakeServer) ApplyResourceChange(
	_ context.Context, req *tfprotov6.ApplyResourceChangeRequest,
) (*tfprotov6.ApplyResourceChangeResponse, error) {
	if isNull(req.PlannedState, serverType) {
		f.deletes = append(f.deletes, stateID(req.PriorState, serverType))
		if f.deleteFails {
			return &tfprotov6.ApplyResourceChangeResponse{Diagnostics: []*tfprotov6.Diagnostic{
				{Severity: tfprotov6.DiagnosticSeverityError, Summary: "delete refused"}}}, nil
		}
		return &tfprotov6.ApplyResourceChangeResponse{NewState: req.PlannedState}, nil
	}
	created, _ := tfprotov6.NewDynamicValue(serverType, tftypes.NewValue(serverType, map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, "srv-1"), "name": tftypes.NewValue(tftypes.String, "vdu"),
	}))
	return &tfprotov6.ApplyResourceChangeResponse{NewState: &created, Diagnostics: []*tfprotov6.Diagnostic{
		{Severity: tfprotov6.DiagnosticSeverityError, Summary: "instance went to ERROR"}}}, nil
}

func create(t *testing.T, fake *fakeServer) *tfprotov6.ApplyResourceChangeResponse {
	adapter := protocolAdapter{ProviderServer: fake,
		resourceTypes: map[string]tftypes.Type{"openstack_compute_instance_v2": serverType}}
	planned := tftypes.NewValue(serverType, map[string]tftypes.Value{
		"id": tftypes.NewValue(tftypes.String, tftypes.UnknownValue), "name": tftypes.NewValue(tftypes.String, "vdu"),
	})
	resp, err := adapter.ApplyResourceChange(context.Background(), &tfprotov6.ApplyResourceChangeRequest{
		TypeName:     "openstack_compute_instance_v2",
		PriorState:   dynamic(t, tftypes.NewValue(serverType, nil)),
		PlannedState: dynamic(t, planned),
		Config:       dynamic(t, planned),
	})
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

func TestAFailedCreateIsDeleted(t *testing.T) {
	fake := &fakeServer{}
	resp := create(t, fake)
	if len(fake.deletes) != 1 || fake.deletes[0] != "srv-1" {
		t.Fatalf("deletes = %v, want [srv-1]", fake.deletes)
	}
	if !isNull(resp.NewState, serverType) {
		t.Error("the answer still carries the deleted object's state")
	}
	if len(resp.Diagnostics) != 1 || resp.Diagnostics[0].Summary !=
		"instance went to ERROR (the partly created openstack_compute_instance_v2 srv-1 was deleted)" {
		t.Errorf("diagnostics = %v", resp.Diagnostics)
	}
}

func TestAnObjectThatCannotBeDeletedIsNamed(t *testing.T) {
	fake := &fakeServer{deleteFails: true}
	resp := create(t, fake)
	last := resp.Diagnostics[len(resp.Diagnostics)-1]
	if last.Severity != tfprotov6.DiagnosticSeverityError || !strings.Contains(last.Summary, "srv-1 could not be deleted") ||
		!strings.Contains(last.Detail, "delete refused") {
		t.Errorf("diagnostics = %v", resp.Diagnostics)
	}
}
