using LmsCloud.Core.Audit;
using LmsCloud.Core.Database;
using LmsCloud.Core.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Cli;

/// <summary><c>lms audit verify</c>: recomputes a district's hash chain; exit 1 names the first broken sequence.</summary>
public static class AuditCommands
{
    public static async Task<int> VerifyAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        command.NoMore(2);
        var district = await context.DistrictAsync(slug);
        var result = await DistrictScope.RunAsync(await context.ServicesAsync(), district, scope =>
            AuditLog.VerifyAsync(scope.GetRequiredService<LmsDbContext>()));
        if (result.Ok)
        {
            context.Out.WriteLine($"audit chain of {slug} intact: {result.Checked} events checked");
            return 0;
        }
        context.Error.WriteLine($"lms: audit chain of {slug} broken at seq {result.FirstBrokenSeq} ({result.Checked} events before it hold)");
        return 1;
    }
}
