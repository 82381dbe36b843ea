using System.Security.Claims;
using LmsCloud.Core.Learning.Assignments;
using LmsCloud.Core.Learning.Shells;
using Microsoft.AspNetCore.Http.HttpResults;
using static LmsCloud.Api.Learning.ShellResults;

namespace LmsCloud.Api.Learning;

public sealed record GroupOrderRequest(IReadOnlyList<Guid>? Order);
public sealed record AssignmentPublishRequest(bool Published = true);

/// <summary>
/// Assignment groups, assignments and their date overrides over HTTP (docs/assignments.md, "API"). Reads need a
/// readable shell (404 otherwise; a student sees published assignments with their own effective dates); writes need an
/// editable one (403 for a reader, 409 for an archived shell); bad input is a validation problem with per-field errors.
/// </summary>
public static class AssignmentEndpoints
{
    public static IEndpointRouteBuilder MapAssignmentEndpoints(this IEndpointRouteBuilder app)
    {
        var shells = app.MapGroup("/api/shells/{shellId:guid}").WithTags("Assignments").RequireAuthorization();
        shells.MapGet("/assignment-groups", (Guid shellId, AssignmentReading reading, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => reading.GroupsAsync(ShellViewer.From(p), shellId, ct)));
        shells.MapPost("/assignment-groups", (Guid shellId, AssignmentGroupInput body, AssignmentEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => editing.CreateGroupAsync(ShellViewer.From(p), shellId, body, ct)));
        shells.MapPut("/assignment-groups/order", (Guid shellId, GroupOrderRequest body, AssignmentEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => editing.ReorderGroupsAsync(ShellViewer.From(p), shellId, body.Order, ct)));
        shells.MapPatch("/assignment-groups/{id:guid}", (Guid shellId, Guid id, AssignmentGroupInput body, AssignmentEditing editing, ClaimsPrincipal p,
            CancellationToken ct) => Run(() => editing.UpdateGroupAsync(ShellViewer.From(p), shellId, id, body, ct)));
        shells.MapDelete("/assignment-groups/{id:guid}", (Guid shellId, Guid id, AssignmentEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            RunNoContent(() => editing.DeleteGroupAsync(ShellViewer.From(p), shellId, id, ct)));
        shells.MapGet("/assignments", (Guid shellId, AssignmentReading reading, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => reading.ListAsync(ShellViewer.From(p), shellId, ct)));
        shells.MapPost("/assignments", (Guid shellId, AssignmentInput body, AssignmentEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => editing.CreateAsync(ShellViewer.From(p), shellId, body, ct)));

        var assignments = app.MapGroup("/api/assignments/{id:guid}").WithTags("Assignments").RequireAuthorization();
        assignments.MapGet("", GetAsync);
        assignments.MapPatch("", (Guid id, AssignmentInput body, AssignmentEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => editing.UpdateAsync(ShellViewer.From(p), id, body, ct)));
        assignments.MapDelete("", (Guid id, AssignmentEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            RunNoContent(() => editing.DeleteAsync(ShellViewer.From(p), id, ct)));
        assignments.MapPost("/publish", (Guid id, AssignmentPublishRequest body, AssignmentEditing editing, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => editing.PublishAsync(ShellViewer.From(p), id, body.Published, ct)));
        assignments.MapGet("/overrides", (Guid id, AssignmentReading reading, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => reading.OverridesAsync(ShellViewer.From(p), id, ct)));
        assignments.MapPut("/overrides/sections/{classId:guid}", (Guid id, Guid classId, OverrideInput body, AssignmentEditing editing, ClaimsPrincipal p,
            CancellationToken ct) => Run(() => editing.SetOverrideAsync(ShellViewer.From(p), id, classId, null, body, ct)));
        assignments.MapDelete("/overrides/sections/{classId:guid}", (Guid id, Guid classId, AssignmentEditing editing, ClaimsPrincipal p,
            CancellationToken ct) => RunNoContent(() => editing.DeleteOverrideAsync(ShellViewer.From(p), id, classId, null, ct)));
        assignments.MapPut("/overrides/students/{studentId:guid}", (Guid id, Guid studentId, OverrideInput body, AssignmentEditing editing,
            ClaimsPrincipal p, CancellationToken ct) => Run(() => editing.SetOverrideAsync(ShellViewer.From(p), id, null, studentId, body, ct)));
        assignments.MapDelete("/overrides/students/{studentId:guid}", (Guid id, Guid studentId, AssignmentEditing editing, ClaimsPrincipal p,
            CancellationToken ct) => RunNoContent(() => editing.DeleteOverrideAsync(ShellViewer.From(p), id, null, studentId, ct)));
        assignments.MapGet("/due-dates", (Guid id, AssignmentReading reading, ClaimsPrincipal p, CancellationToken ct) =>
            Run(() => reading.DueDatesAsync(ShellViewer.From(p), id, ct)));
        return app;
    }

    static async Task<Results<Ok<AssignmentView>, ProblemHttpResult>> GetAsync(Guid id, AssignmentReading reading, ClaimsPrincipal p, CancellationToken ct) =>
        await reading.GetAsync(ShellViewer.From(p), id, ct) is { } view ? TypedResults.Ok(view) : Problem(ShellRefusal.NotFound("Assignment"));
}
