using System.Globalization;
using LmsCloud.Core.Compliance.Holds;
using LmsCloud.Core.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Cli;

/// <summary><c>lms compliance holds list|place|release --tenant SLUG ...</c>: legal holds, as an operator (audited as one).</summary>
public static class HoldCommands
{
    public static async Task<int> RunAsync(CliContext context, CommandLine command) => command.Word(2) switch
    {
        "list" => await ListAsync(context, command),
        "place" => await PlaceAsync(context, command),
        "release" => await ReleaseAsync(context, command),
        _ => throw new UsageException("compliance holds needs list, place or release"),
    };

    static async Task<int> ListAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var active = command.Optional("active") switch
        {
            null => (bool?)null,
            "true" => true,
            "false" => false,
            var other => throw new UsageException($"--active: '{other}' is not true or false"),
        };
        command.NoMore(3);
        var holds = await InDistrictAsync(context, slug, h => h.ListAsync(active));
        context.Out.WriteLine($"{"ID",-38}{"SCOPE",-9}{"SCOPE ID",-38}{"ACTIVE",-8}{"UNTIL",-12}REASON");
        foreach (var h in holds)
            context.Out.WriteLine($"{h.Id,-38}{h.ScopeType,-9}{h.ScopeId?.ToString() ?? "-",-38}{(h.Active ? "yes" : "no"),-8}" +
                                  $"{h.Until?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "-",-12}{h.Reason}");
        context.Out.WriteLine($"{holds.Count} holds");
        return 0;
    }

    static async Task<int> PlaceAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var scope = command.Required("scope");
        var id = command.Optional("id") is { } text
            ? Guid.TryParse(text, out var parsed) ? parsed : throw new UsageException($"--id: '{text}' is not an id (a uuid)")
            : (Guid?)null;
        var reason = command.Required("reason");
        var until = command.Optional("until") is { } u
            ? DateTimeOffset.TryParse(u, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d) ? d
                : throw new UsageException($"--until: '{u}' is not a date (2027-06-30 or an ISO-8601 instant)")
            : (DateTimeOffset?)null;
        command.NoMore(3);
        var outcome = await InDistrictAsync(context, slug, h => h.TryPlaceAsync(new NewLegalHold(scope, id, reason, until), CliContext.Actor));
        if (outcome.Error is { } error)
        {
            context.Error.WriteLine($"lms: hold not placed: {error.Message}");
            return 1;
        }
        context.Out.WriteLine($"hold {outcome.Hold!.Id} placed on {scope}{(id == null ? "" : $" {id}")}");
        return 0;
    }

    static async Task<int> ReleaseAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var text = command.RequiredWord(3, "the hold id");
        if (!Guid.TryParse(text, out var id)) throw new UsageException($"'{text}' is not a hold id (a uuid)");
        var reason = command.Required("reason");
        command.NoMore(4);
        var outcome = await InDistrictAsync(context, slug, h => h.TryReleaseAsync(id, reason, CliContext.Actor));
        if (outcome.Error is { } error)
        {
            context.Error.WriteLine($"lms: hold not released: {error.Message}");
            return 1;
        }
        context.Out.WriteLine($"hold {id} released");
        return 0;
    }

    static async Task<T> InDistrictAsync<T>(CliContext context, string slug, Func<LegalHolds, Task<T>> work)
    {
        var district = await context.DistrictAsync(slug);
        return await DistrictScope.RunAsync(await context.ServicesAsync(), district, scope => work(scope.GetRequiredService<LegalHolds>()));
    }
}
