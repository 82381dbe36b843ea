using LmsCloud.Core.Compliance;
using LmsCloud.Core.Compliance.Export;
using LmsCloud.Core.Database;
using LmsCloud.Core.Tenancy;
using LmsCloud.Sis.Export;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace LmsCloud.Cli;

/// <summary>
/// <c>lms compliance export</c>: an operator's export of one person or the whole district, recorded as a request the
/// operator made and approved, written straight to the given file; <c>lms compliance verify-export</c>: the signature,
/// hashes, sizes and record counts of an export, offline.
/// </summary>
public static class ComplianceCommands
{
    public static async Task<int> ExportAsync(CliContext context, CommandLine command)
    {
        var slug = command.Required("tenant");
        var person = command.Optional("person");
        var wholeDistrict = command.Flag("district");
        var output = Path.GetFullPath(command.Required("out"));
        command.NoMore(2);
        if ((person == null) == !wholeDistrict) throw new UsageException("give either --person ID or --district");
        if (!Directory.Exists(Path.GetDirectoryName(output))) throw new UsageException($"no folder for {output}");

        var district = await context.DistrictAsync(slug);
        var services = await context.ServicesAsync();
        var exports = services.GetRequiredService<ComplianceExports>();
        var caller = RequestCaller.System(CliContext.Actor);
        Guid? subject = person == null ? null : await PersonAsync(services, district, person);
        var type = subject == null ? RequestTypes.DistrictExport : RequestTypes.Export;

        // The operator asks and approves: the request's timeline and the audit log say who exported what, and when.
        var request = await DistrictScope.RunAsync(services, district, async scope =>
        {
            var requests = scope.GetRequiredService<ComplianceRequests>();
            var created = await requests.CreateAsync(new NewComplianceRequest(type, subject, $"Operator export to {output}"), caller);
            if (created.Error is { } error) throw new InvalidOperationException(error.Message);
            foreach (var to in new[] { RequestStates.AwaitingApproval, RequestStates.Approved })
                if ((await requests.TransitionAsync(created.Request!.Id, to, caller, "By the operator at the command line.")).Error is { } moveError)
                    throw new InvalidOperationException(moveError.Message);
            return created.Request!;
        });
        var started = await exports.StartAsync(district, request.Id, caller);
        if (started.Error is { } startError) throw new InvalidOperationException(startError.Message);
        context.Out.WriteLine($"export request {request.Id} for {slug} ({(subject is { } id ? $"person {id}" : "the whole district")})");

        var bar = TerminalProgress.For(context);
        List<PartOutcome> parts;
        await using (var file = new FileStream(output, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 81920))
            parts = await exports.WriteAsync(district, started.Request!, file,
                progress: p => bar.Report(p.Percent, $"{p.PartsDone}/{p.PartsTotal} parts, {p.RowsWritten:N0} rows"));
        bar.Done();

        var finished = await exports.FinishAsync(district, request.Id, parts, caller);
        await exports.MarkFinishedAsync(district.TenantId, request.Id);
        if (finished.Request?.State != RequestStates.Ready)
        {
            File.Delete(output);
            context.Error.WriteLine($"lms: export failed: {finished.Request?.Reason ?? finished.Error?.Message}");
            return 1;
        }
        // Delivered to the operator's file: there is no download link to wait for.
        await DistrictScope.RunAsync(services, district, scope => scope.GetRequiredService<ComplianceRequests>()
            .TransitionAsync(request.Id, RequestStates.Completed, caller, $"Written to {output} by the operator."));
        context.Out.WriteLine($"wrote {output} ({new FileInfo(output).Length:N0} bytes, {parts.Count} parts)");
        return 0;
    }

    public static async Task<int> VerifyExportAsync(CliContext context, CommandLine command)
    {
        var path = Path.GetFullPath(command.RequiredWord(2, "the export zip"));
        command.NoMore(3);
        if (!File.Exists(path)) throw new UsageException($"no file at {path}");
        var keys = PlatformKeys.FromConfiguration(context.Configuration, allowDevelopmentKey: true);
        var result = await ExportVerifier.VerifyAsync(path, keys);
        if (result.Ok)
        {
            context.Out.WriteLine($"export intact: signature valid, {result.Files} files match the manifest");
            return 0;
        }
        context.Error.WriteLine($"lms: export broken: {result.Problem}");
        return 1;
    }

    /// <summary>The OneRoster package of a district export, by the SIS engine.</summary>
    public static async Task<IReadOnlyList<(string FileName, long Records)>> OneRosterPackageAsync(Npgsql.NpgsqlConnection connection,
        Func<string, Stream> createFile, CancellationToken ct) =>
        [.. (await OneRosterExport.WriteAsync(connection, createFile, ct)).Select(f => (f.FileName, f.Records))];

    /// <summary>Our id of the person, given as our id or as their SIS sourcedId.</summary>
    internal static Task<Guid> PersonAsync(IServiceProvider services, District district, string id) =>
        DistrictScope.RunAsync(services, district, async scope =>
        {
            var db = scope.GetRequiredService<LmsDbContext>();
            if (Guid.TryParse(id, out var ours) && await db.Users.AnyAsync(u => u.Id == ours)) return ours;
            var bySourcedId = await db.Database.SqlQuery<Guid>(
                    $"select internal_id as \"Value\" from external_ids where entity_type = 'users' and external_id = {id}")
                .ToListAsync();
            return bySourcedId.Count == 1 ? bySourcedId[0]
                : throw new InvalidOperationException($"No person in {district.Slug} has the id or SIS sourcedId '{id}'.");
        });
}
