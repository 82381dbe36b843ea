using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using LmsCloud.Api.Auth;
using LmsCloud.Core.Districts;
using LmsCloud.Core.Tenancy;
using LmsCloud.Core.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace LmsCloud.Tests.Infrastructure;

/// <summary>The API in memory over this class's own database, as the application role; requests pick their district by host.</summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public ApiFactory()
    {
    }

    /// <summary>A second API node: the same database, storage, signing and encryption keys as <paramref name="first"/>, which owns them.</summary>
    ApiFactory(ApiFactory first)
    {
        (Database, SigningKey, EncryptionKey, StorageRoot, _settings, _ownsResources) = (first.Database, first.SigningKey, first.EncryptionKey, first.StorageRoot, first.Settings, false);
    }

    /// <summary>Another node of this API (its own host, its own Quartz scheduler) over the same database; dispose it yourself.</summary>
    public ApiFactory AnotherNode() => new(this);

    readonly bool _ownsResources = true;
    readonly IEnumerable<KeyValuePair<string, string>>? _settings;

    public TestDatabase Database { get; } = new();

    /// <summary>Everything the API logged, for tests of what operators see.</summary>
    public ConcurrentQueue<LogEntry> Logs { get; } = new();

    /// <summary>What the API logged at Error or above, as "category: message" and the exception: a client's bad input must add nothing here.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    protected virtual string EnvironmentName => "Testing";

    /// <summary>The key this API signs with (tests sign their own tokens with it, or with another, to test validation).</summary>
    public SigningKeyOptions SigningKey { get; } = SigningKeys.Generate();

    /// <summary>The key this API encrypts refresh tokens with (Auth:EncryptionKey).</summary>
    public string EncryptionKey { get; } = SigningKeys.NewEncryptionKey();

    /// <summary>The issuer of a district's tokens: its public URL (https by default, though tests send http).</summary>
    public static string IssuerOf(string slug) => $"https://{slug}.localhost/";

    /// <summary>A request header, read only by this test host, that sets the client address (for the rate limits).</summary>
    public const string ClientAddressHeader = "X-Test-Client-Address";

    /// <summary>This API's package storage (Storage:Root), a throwaway folder removed with the factory.</summary>
    public string StorageRoot { get; } = Path.Combine(Path.GetTempPath(), $"lmscloud-storage-{Guid.NewGuid():N}");

    /// <summary>Extra settings a test class needs (limits, lockout).</summary>
    protected virtual IEnumerable<KeyValuePair<string, string>> Settings => [];

    public async Task InitializeAsync()
    {
        if (_ownsResources) await Database.InitializeAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        if (!_ownsResources) return;
        await Database.DisposeAsync();
        if (Directory.Exists(StorageRoot)) Directory.Delete(StorageRoot, recursive: true);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(EnvironmentName);
        builder.UseSetting("ConnectionStrings:App", Database.ConnectionStrings.App);
        builder.UseSetting("ConnectionStrings:Owner", Database.ConnectionStrings.Owner);
        builder.UseSetting("Auth:SigningKeys:0:KeyId", SigningKey.KeyId);
        builder.UseSetting("Auth:SigningKeys:0:Pem", SigningKey.Pem);
        builder.UseSetting("Auth:EncryptionKey", EncryptionKey);
        builder.UseSetting("Storage:Root", StorageRoot);
        // Tests run the export job themselves (or turn it on in their Settings): a job of its own would race their requests.
        builder.UseSetting("Compliance:ExportJobInterval", "00:00:00");
        // Nor the quarter-hourly score refresh: run at :00, :15, … over every district, it would recompute under a test's feet.
        builder.UseSetting("Learning:ScoreRefreshCron", "off");
        foreach (var (key, value) in _settings ?? Settings) builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(new QueueLoggerProvider(Logs, Errors)));
        builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, ClientAddressFilter>());
    }

    /// <summary>A client whose requests go to <c>{slug}.localhost</c>.</summary>
    public HttpClient ClientFor(string slug) =>
        CreateClient(new WebApplicationFactoryClientOptions { BaseAddress = new Uri($"http://{slug}.localhost/") });

    /// <summary>A client for the district's host that sends this bearer token.</summary>
    public HttpClient ClientFor(string slug, string accessToken)
    {
        var client = ClientFor(slug);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    public const string Password = "correct horse battery staple";

    /// <summary>A user of the district with one role and a password, created as the CLI would.</summary>
    public async Task<TestUser> CreateUserAsync(DistrictSummary district, string role, string? email = null)
    {
        email ??= $"{role.ToLowerInvariant()}-{Guid.NewGuid():N}"[..20] + "@example.test";
        var outcome = await DistrictScope.RunAsync(Services, new District(district.Id, district.Slug, district.Name, DistrictStatus.Active),
            scope => scope.GetRequiredService<UserAdministration>().CreateAsync(new NewUser(email, $"Test {role}", [role], Password)));
        return new TestUser(outcome.Value!.Id, email, district.Slug);
    }

    /// <summary>The raw token endpoint response for a form.</summary>
    public Task<HttpResponseMessage> PostTokenAsync(string slug, params (string Key, string Value)[] form) =>
        ClientFor(slug).PostAsync("/connect/token", new FormUrlEncodedContent(form.Select(f => KeyValuePair.Create(f.Key, f.Value))));

    /// <summary>Signs in with the password grant and returns the token response (fails the test otherwise).</summary>
    public async Task<JsonElement> SignInAsync(TestUser user, string password = Password)
    {
        var response = await PostTokenAsync(user.Slug, ("grant_type", "password"), ("username", user.Email), ("password", password));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A client signed in as a new user with this role in the district.</summary>
    public async Task<HttpClient> ClientAsAsync(DistrictSummary district, string role)
    {
        var user = await CreateUserAsync(district, role);
        return ClientFor(district.Slug, (await SignInAsync(user)).GetProperty("access_token").GetString()!);
    }

    public static readonly System.Net.IPAddress ClientAddress = System.Net.IPAddress.Parse("203.0.113.7");

    /// <summary>The in-memory server has no network peer; give requests the address a real client would have.</summary>
    sealed class ClientAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (context.Request.Headers[ClientAddressHeader] is [{ } address]) context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(address);
                context.Connection.RemoteIpAddress ??= ClientAddress;
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    sealed class QueueLoggerProvider(ConcurrentQueue<LogEntry> logs, ConcurrentQueue<string> errors) : ILoggerProvider, ISupportExternalScope
    {
        IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
        public ILogger CreateLogger(string categoryName) => new QueueLogger(categoryName, logs, errors, () => _scopes);
        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
        public void Dispose() { }
    }

    sealed class QueueLogger(string category, ConcurrentQueue<LogEntry> logs, ConcurrentQueue<string> errors, Func<IExternalScopeProvider> scopes)
        : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => scopes().Push(state);
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            var values = new Dictionary<string, object?>(); // a placeholder named twice: the last one
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
                foreach (var (name, value) in pairs) values[name] = value;
            logs.Enqueue(new LogEntry(category, message, values));
            if (logLevel >= LogLevel.Error) errors.Enqueue($"{category}: {message} {exception}");
        }
    }
}

/// <summary>Polls until a condition holds, for effects that are asynchronous by design (cache eviction by NOTIFY).</summary>
public static class Eventually
{
    public static async Task<T> MatchAsync<T>(Func<Task<T>> probe, Func<T, bool> done, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var value = await probe();
            if (done(value) || DateTime.UtcNow > deadline) return value;
            await Task.Delay(100);
        }
    }
}

public sealed record TestUser(Guid Id, string Email, string Slug);

/// <summary>
/// One log call: the line as formatted and its structured values by placeholder name (<c>{OriginalFormat}</c> is the
/// message template), so a test can check what was logged without parsing the line.
/// </summary>
public sealed record LogEntry(string Category, string Message, IReadOnlyDictionary<string, object?> Values)
{
    public string? Template => Values.GetValueOrDefault("{OriginalFormat}") as string;
}
