using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Database;
using LmsCloud.Core.Database.Local;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Validation;

namespace LmsCloud.Benchmarks;

/// <summary>
/// <c>--auth</c>: the token endpoint (password and client_credentials, requests/s at 1 and 4 in flight) and the cost
/// of validating an access token on an API request, with and without the token-entry check (the row read that makes
/// revocation take effect at once). The API runs in memory over a local PostgreSQL, as in the tests.
/// </summary>
public static class AuthBenchmark
{
    public static async Task<int> RunAsync(string work, int port, TimeSpan duration)
    {
        var strings = EmbeddedPostgres.EnsureRunning(new EmbeddedPostgresOptions { DataDirectory = Path.Combine(work, "db"), Port = port });
        await MigrationRunner.ApplyAsync(strings.Owner!);
        var summary = await DistrictProvisioning.CreateAsync(strings, "bench", "Benchmark District", "UTC");
        var district = new District(summary.Id, summary.Slug, summary.Name, DistrictStatus.Active);
        var key = SigningKeys.Generate();
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:App"] = strings.App, ["ConnectionStrings:Owner"] = strings.Owner!,
            ["Auth:SigningKeys:0:KeyId"] = key.KeyId, ["Auth:SigningKeys:0:Pem"] = key.Pem, ["Auth:EncryptionKey"] = SigningKeys.NewEncryptionKey(),
            ["Auth:TokenRequestLimit"] = "100000000", ["Auth:TokenRequestLimitPerName"] = "100000000", ["Storage:Root"] = Path.Combine(work, "storage"),
            ["Logging:LogLevel:Default"] = "Warning",
        };

        // WebApplicationFactory finds the API's content root by this variable outside a test project.
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "LmsCloud.sln"))) root = root.Parent!;
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_LMSCLOUD_API", Path.Combine(root.FullName, "src", "LmsCloud.Api"));

        await using var api = new Api(settings, entryValidation: true);
        const string password = "correct horse battery staple";
        await DistrictScope.RunAsync(api.Services, district, scope => scope.GetRequiredService<UserAdministration>()
            .CreateAsync(new NewUser("admin@bench.test", "Bench Admin", [Roles.DistrictAdmin], password)));
        var http = api.Client();
        var signIn = await Token(http, ("grant_type", "password"), ("username", "admin@bench.test"), ("password", password));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", signIn.GetProperty("access_token").GetString());
        var client = await (await http.PostAsJsonAsync("/api/integrations/clients", new { name = "Bench", scopes = new[] { "sis.import" } }))
            .Content.ReadFromJsonAsync<JsonElement>();
        var (clientId, secret) = (client.GetProperty("clientId").GetString()!, client.GetProperty("clientSecret").GetString()!);
        var accessToken = signIn.GetProperty("access_token").GetString()!;

        Console.WriteLine($"{Environment.ProcessorCount} cores; {duration.TotalSeconds:0} s per figure");
        Console.WriteLine("| measure | in flight | requests/s | mean ms |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var inFlight in new[] { 1, 4 })
        {
            Report("password grant", inFlight, await MeasureAsync(duration, inFlight, () =>
                TokenStatus(api.Client(), ("grant_type", "password"), ("username", "admin@bench.test"), ("password", password))));
            Report("client_credentials grant", inFlight, await MeasureAsync(duration, inFlight, () =>
                TokenStatus(api.Client(), ("grant_type", "client_credentials"), ("client_id", clientId), ("client_secret", secret))));
        }

        var withEntry = await MeasureAsync(duration, 1, () => Get(api.Client(accessToken), "/api/me"));
        await using var withoutApi = new Api(settings, entryValidation: false);
        var withoutEntry = await MeasureAsync(duration, 1, () => Get(withoutApi.Client(accessToken), "/api/me"));
        Report("GET /api/me, token-entry check on", 1, withEntry);
        Report("GET /api/me, token-entry check off", 1, withoutEntry);
        Console.WriteLine($"token-entry check: +{(1000.0 / withEntry - 1000.0 / withoutEntry):0.000} ms per API request");
        return 0;
    }

    static void Report(string name, int inFlight, double perSecond) =>
        Console.WriteLine($"| {name} | {inFlight} | {perSecond:N0} | {1000.0 * inFlight / perSecond:0.00} |");

    /// <summary>Requests per second over the duration with this many in flight (after a short warm-up).</summary>
    static async Task<double> MeasureAsync(TimeSpan duration, int inFlight, Func<Task<bool>> request)
    {
        for (var i = 0; i < 5; i++)
            if (!await request()) throw new InvalidOperationException("the request failed during warm-up");
        var count = 0;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                if (!await request()) throw new InvalidOperationException("a request failed");
                Interlocked.Increment(ref count);
            }
        }));
        return count / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    static async Task<bool> Get(HttpClient http, string path) => (await http.GetAsync(path)).IsSuccessStatusCode;

    static async Task<bool> TokenStatus(HttpClient http, params (string, string)[] form) =>
        (await http.PostAsync("/connect/token", new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Item1, f.Item2))))).IsSuccessStatusCode;

    static async Task<JsonElement> Token(HttpClient http, params (string, string)[] form)
    {
        var response = await http.PostAsync("/connect/token", new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Item1, f.Item2))));
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    // Any public type of the API assembly names its entry point (this project has a Program of its own).
    internal sealed class Api(Dictionary<string, string> settings, bool entryValidation) : WebApplicationFactory<SigningKeys>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment("Benchmark");
            foreach (var (k, v) in settings) builder.UseSetting(k, v);
            if (!entryValidation)
                builder.ConfigureServices(s => s.PostConfigure<OpenIddictValidationOptions>(o => o.EnableTokenEntryValidation = false));
        }

        /// <param name="https">The session cookie is Secure, so a browser-like client (keeping cookies) asks over https.</param>
        public HttpClient Client(string? accessToken = null, bool https = false)
        {
            var client = CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri(https ? "https://bench.localhost/" : "http://bench.localhost/") });
            if (accessToken != null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
            return client;
        }
    }
}
