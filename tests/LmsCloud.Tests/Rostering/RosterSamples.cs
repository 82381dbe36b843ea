using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Sis;
using LmsCloud.Tests.Infrastructure;
using Npgsql;

namespace LmsCloud.Tests.Rostering;

/// <summary>Importing the sample packages (<see cref="Samples"/>): over HTTP (upload, wait for the run) or straight through the engine.</summary>
public static class RosterSamples
{
    public static MultipartFormDataContent Form(byte[] bytes, string fileName = "roster.zip", string field = "file")
    {
        var file = new ByteArrayContent(bytes);
        file.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return new MultipartFormDataContent { { file, field, fileName } };
    }

    public static Task<HttpResponseMessage> UploadAsync(HttpClient client, string sample, bool dryRun = false, string path = "/api/sis/imports") =>
        client.PostAsync(dryRun ? $"{path}?dryRun=true" : path, Form(File.ReadAllBytes(Samples.Zip(sample)), sample + ".zip"));

    /// <summary>Polls the run until it reaches a terminal status (or the timeout), and returns it.</summary>
    public static async Task<JsonElement> WaitForRunAsync(HttpClient client, string location, int timeoutMs = 20_000)
    {
        var run = await Eventually.MatchAsync(() => client.GetFromJsonAsync<JsonElement>(location),
            r => RunStatus.IsTerminal(r.GetProperty("status").GetString()!), timeoutMs);
        Assert.True(RunStatus.IsTerminal(run.GetProperty("status").GetString()!), $"Run still {run.GetProperty("status")} after {timeoutMs} ms");
        return run;
    }

    /// <summary>Uploads and waits: the finished run.</summary>
    public static async Task<JsonElement> ImportAsync(HttpClient client, string sample, bool dryRun = false)
    {
        var response = await UploadAsync(client, sample, dryRun);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        return await WaitForRunAsync(client, response.Headers.Location!.ToString());
    }

    /// <summary>Imports a sample folder straight through the engine (no HTTP), for tests that only need a roster.</summary>
    public static async Task<ImportOutcome> ImportDirectlyAsync(TestDatabase db, Guid tenantId, string sample)
    {
        var (_, outcome) = await db.Imports.ImportAsync(new ImportRequest(tenantId, Samples.Path(sample), sample, ImportTrigger.Cli, TestDatabase.TestActor));
        Assert.True(outcome.Status is RunStatus.Succeeded or RunStatus.SucceededWithWarnings, outcome.FailureReason);
        return outcome;
    }

    /// <summary>Our id of an imported record, by its sourcedId.</summary>
    public static async Task<Guid> InternalIdAsync(TestDatabase db, Guid tenantId, string entity, string sourcedId)
    {
        await using var conn = await db.OpenAsTenantAsync(tenantId);
        await using var cmd = new NpgsqlCommand("select internal_id from external_ids where entity_type = $1 and external_id = $2", conn);
        cmd.Parameters.AddWithValue(entity);
        cmd.Parameters.AddWithValue(sourcedId);
        return (Guid)(await cmd.ExecuteScalarAsync() ?? throw new InvalidOperationException($"No {entity} {sourcedId}"));
    }
}
