using System.Globalization;
using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Export;
using LmsCloud.Core.Database;
using LmsCloud.Core.Tenancy;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Cli;

/// <summary>
/// <c>lms compliance requests list|show|create|approve|reject|cancel|retry</c>: compliance requests as an operator, every
/// step through <see cref="ComplianceRequests"/> with the operator as the actor (timeline and audit say who). A move the
/// state table refuses exits 1 naming both states; bad arguments exit 2.
/// </summary>
public static class RequestCommands
{
    public static async Task<int> RunAsync(CliContext context, CommandLine command) => command.Word(2) switch
    {
        "list" => await ListAsync(context, command),
        "show" => await ShowAsync(context, command),
        "create" => await CreateAsync(context, command),
        "approve" => await MoveAsync(context, command, RequestStates.Approved),
        "reject" => await MoveAsync(context, command, RequestStates.Rejected),
        "cancel" => await MoveAsync(context, command, RequestStates.Cancelled),
        "retry" => await RetryAsync(context, command),
        _ => throw new UsageException("compliance requests needs list, show, create, approve, reject, cancel or retry"),
    };

    static RequestCaller Operator => RequestCaller.System(CliContext.Actor);

    static async Task<int> ListAsync(CliContext context, CommandLine command)
    {
        var slug = command.Optional("tenant");
        var state = OneOf(command.Optional("state"), RequestStates.All, "state");
        var type = OneOf(command.Optional("type"), RequestTypes.All, "type");
        var overdue = command.Flag("overdue");
        command.NoMore(3);
        var services = await context.ServicesAsync();
        var districts = slug != null ? [await context.DistrictAsync(slug)]
            : (await services.GetRequiredService<DistrictStore>().GetAllAsync(default)).OrderBy(d => d.Slug, StringComparer.Ordinal).ToList();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var filter = new RequestFilter(state, type, overdue ? true : null);

        context.Out.WriteLine($"{"DISTRICT",-20}{"ID",-38}{"TYPE",-17}{"SUBJECT",-38}{"STATE",-19}{"DUE",-12}OVERDUE");
        var count = 0;
        foreach (var district in districts)
        {
            var requests = await DistrictScope.RunAsync(services, district, scope =>
                scope.GetRequiredService<ComplianceRequests>().Query(filter, now).ToListAsync());
            foreach (var r in requests)
                context.Out.WriteLine($"{district.Slug,-20}{r.Id,-38}{r.Type,-17}{r.SubjectUserId?.ToString() ?? "(district)",-38}{r.State,-19}" +
                                      $"{Date(r.DueAt),-12}{(r.IsOverdue(now) ? "yes" : "no")}");
            count += requests.Count;
        }
        context.Out.WriteLine($"{count} requests");
        return 0;
    }

    static async Task<int> ShowAsync(CliContext context, CommandLine command)
    {
        var id = RequestId(command);
        var slug = command.Required("tenant");
        command.NoMore(4);
        var district = await context.DistrictAsync(slug);
        var services = await context.ServicesAsync();
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        var (view, export) = await DistrictScope.RunAsync(services, district, async scope =>
        {
            var found = await scope.GetRequiredService<ComplianceRequests>().GetAsync(id);
            var status = found == null ? null : await ComplianceExports.StatusAsync(scope.GetRequiredService<LmsDbContext>(), id, now);
            return (found, status);
        });
        if (view == null) return Fail(context, $"no request {id} in {slug}");

        var o = context.Out;
        o.WriteLine($"request {view.Id} ({district.Slug})");
        o.WriteLine($"  type       {view.Type}");
        o.WriteLine($"  subject    {view.SubjectUserId?.ToString() ?? "(the whole district)"}");
        o.WriteLine($"  state      {view.State}");
        o.WriteLine($"  requester  {view.RequesterActorType}:{view.RequesterActorId}");
        o.WriteLine($"  due        {Instant(view.DueAt)}{(view.Overdue ? " (overdue)" : "")}");
        if (view.Reason != null) o.WriteLine($"  reason     {view.Reason}");
        if (export != null)
            o.WriteLine($"  export     attempt {export.Attempt}, {export.Percent}% ({export.TablesDone}/{export.TablesTotal} parts, {export.RowsWritten:N0} rows)" +
                        (export.Bytes is { } bytes ? $", {bytes:N0} bytes" : "") +
                        (export.ExpiresAt is { } expires ? $", link until {Instant(expires)}" : "") +
                        (export.LeaseUntil is { } lease && view.State == RequestStates.Processing ? $", lease until {Instant(lease)}" : ""));
        o.WriteLine("timeline");
        foreach (var e in view.Timeline ?? [])
        {
            var move = e.ToState == null ? "comment" : e.FromState == null ? e.ToState : $"{e.FromState} -> {e.ToState}";
            o.WriteLine($"  {Instant(e.OccurredAt)}  {e.ActorType}:{e.ActorId,-24}  {move,-32}{e.Comment}");
        }
        return 0;
    }

    static async Task<int> CreateAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var type = OneOf(command.Required("type"), RequestTypes.All, "type")!;
        var person = command.Optional("person");
        var wholeDistrict = command.Flag("district");
        var comment = command.Optional("comment");
        command.NoMore(3);
        if ((person == null) == !wholeDistrict) throw new UsageException("give either --person ID or --district");
        if (wholeDistrict != (type == RequestTypes.DistrictExport))
            throw new UsageException(wholeDistrict ? $"--district goes with --type {RequestTypes.DistrictExport}" : $"--type {type} needs --person ID");

        var district = await context.DistrictAsync(slug);
        var services = await context.ServicesAsync();
        Guid? subject = person == null ? null : await ComplianceCommands.PersonAsync(services, district, person);
        var outcome = await DistrictScope.RunAsync(services, district, scope =>
            scope.GetRequiredService<ComplianceRequests>().CreateAsync(new NewComplianceRequest(type, subject, comment), Operator));
        if (outcome.Error is { } error) return Fail(context, $"not created: {error.Message}");
        var r = outcome.Request!;
        context.Out.WriteLine($"request {r.Id} created: {r.Type} of {r.SubjectUserId?.ToString() ?? "the whole district"}, {r.State}, due {Date(r.DueAt)}");
        return 0;
    }

    /// <summary>approve (through awaiting_approval when still received), reject or cancel.</summary>
    static async Task<int> MoveAsync(CliContext context, CommandLine command, string to)
    {
        var id = RequestId(command);
        var slug = command.Required("tenant");
        var reason = command.Optional("reason");
        command.NoMore(4);
        if (RequestStates.NeedsReason(to) && string.IsNullOrWhiteSpace(reason)) throw new UsageException($"--reason is required to {Verb(to)} a request");

        var district = await context.DistrictAsync(slug);
        var outcome = await DistrictScope.RunAsync(await context.ServicesAsync(), district, async scope =>
        {
            var requests = scope.GetRequiredService<ComplianceRequests>();
            var note = reason ?? "By the operator at the command line.";
            if (to == RequestStates.Approved && await requests.GetAsync(id) is { State: RequestStates.Received })
            {
                var reviewed = await requests.TransitionAsync(id, RequestStates.AwaitingApproval, Operator, note);
                if (reviewed.Error != null) return reviewed;
            }
            return await requests.TransitionAsync(id, to, Operator, note);
        });
        if (outcome.Error is { } error) return Fail(context, $"not {to}: {Describe(error)}");
        context.Out.WriteLine($"request {id} {to}");
        return 0;
    }

    /// <summary>failed → approved: the export job (or the erasure's runner) takes it up again from the start.</summary>
    static async Task<int> RetryAsync(CliContext context, CommandLine command)
    {
        var id = RequestId(command);
        var slug = command.Optional("tenant");
        var reason = command.Optional("reason");
        command.NoMore(4);
        var services = await context.ServicesAsync();
        var districts = slug != null ? [await context.DistrictAsync(slug)] : await services.GetRequiredService<DistrictStore>().GetAllAsync(default);
        foreach (var district in districts)
        {
            var outcome = await DistrictScope.RunAsync(services, district, async scope =>
            {
                var requests = scope.GetRequiredService<ComplianceRequests>();
                var found = await requests.GetAsync(id);
                if (found == null) return null;
                if (found.State != RequestStates.Failed)
                    return RequestOutcome.Fail(RequestErrorKind.IllegalTransition, $"only a failed request can be retried; this one is {found.State}");
                return await requests.TransitionAsync(id, RequestStates.Approved, Operator, reason ?? "Retried by the operator at the command line.");
            });
            if (outcome == null) continue;
            if (outcome.Error is { } error) return Fail(context, $"not retried: {error.Message}");
            context.Out.WriteLine($"request {id} ({district.Slug}) approved again: it is processed from the start");
            return 0;
        }
        return Fail(context, $"no request {id}{(slug == null ? " in any district" : $" in {slug}")}");
    }

    /// <summary>The refusal in one line: the state table's refusal names both states.</summary>
    static string Describe(RequestError error) => error is { Kind: RequestErrorKind.IllegalTransition, From: { } from, To: { } to }
        ? $"cannot move from {from} to {to}"
        : error.Message;

    static string Verb(string to) => to == RequestStates.Rejected ? "reject" : "cancel";

    static Guid RequestId(CommandLine command)
    {
        var text = command.RequiredWord(3, "the request id");
        return Guid.TryParse(text, out var id) ? id : throw new UsageException($"'{text}' is not a request id (a uuid)");
    }

    static string? OneOf(string? value, IReadOnlyList<string> allowed, string option) =>
        value == null || allowed.Contains(value) ? value
        : throw new UsageException($"--{option}: '{value}' is not one of {string.Join(", ", allowed)}");

    static string Date(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    static string Instant(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    static int Fail(CliContext context, string message)
    {
        context.Error.WriteLine($"lms: {message}");
        return 1;
    }
}
