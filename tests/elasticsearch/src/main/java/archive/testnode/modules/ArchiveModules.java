package archive.testnode.modules;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.de.GermanLightStemFilter;
import org.apache.lucene.analysis.de.GermanNormalizationFilter;
import org.apache.lucene.analysis.en.EnglishPossessiveFilter;
import org.apache.lucene.analysis.en.PorterStemFilter;
import org.apache.lucene.analysis.es.SpanishLightStemFilter;
import org.apache.lucene.analysis.fr.FrenchLightStemFilter;
import org.apache.lucene.analysis.miscellaneous.ASCIIFoldingFilter;
import org.apache.lucene.analysis.pt.PortugueseLightStemFilter;
import org.apache.lucene.analysis.util.ElisionFilter;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.AbstractTokenFilterFactory;
import org.elasticsearch.index.analysis.NormalizingTokenFilterFactory;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.similarity.ScriptedSimilarity;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.ScriptPlugin;
import org.elasticsearch.script.ScriptContext;
import org.elasticsearch.script.ScriptEngine;
import org.elasticsearch.script.SimilarityScript;

/**
 * What the archive's index needs of two Elasticsearch modules that Elastic does not publish to
 * Maven Central, {@code analysis-common} and {@code lang-painless}; loaded by the test node as a
 * module, beside {@code transport-netty4}.
 *
 * <p>The token filters the archive's analyzers name, built over the same Lucene filters those
 * modules use, and the one scripted similarity the archive sends, evaluated in Java. Anything
 * else (another stemmer, another script) is refused with an error naming this file, so a new
 * use fails here loudly instead of being analysed or scored by something else.
 */
public final class ArchiveModules extends Plugin implements AnalysisPlugin, ScriptPlugin {

    @Override
    public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
        return Map.of(
            "lowercase", (indexSettings, env, name, s) -> normalizing(name, s, LowerCaseFilter::new),
            "asciifolding", (indexSettings, env, name, s) -> normalizing(name, s, ASCIIFoldingFilter::new),
            "german_normalization",
            (indexSettings, env, name, s) -> normalizing(name, s, GermanNormalizationFilter::new),
            "stemmer", AnalysisPlugin.requiresAnalysisSettings((indexSettings, env, name, s) -> stemmer(name, s)),
            "elision", AnalysisPlugin.requiresAnalysisSettings((indexSettings, env, name, s) -> elision(name, s))
        );
    }

    @Override
    public ScriptEngine getScriptEngine(Settings settings, Collection<ScriptContext<?>> contexts) {
        return new SimilarityOnlyEngine();
    }

    private interface Wrap {
        TokenStream apply(TokenStream in);
    }

    private static TokenFilterFactory normalizing(String name, Settings settings, Wrap wrap) {
        class Normalizing extends AbstractTokenFilterFactory implements NormalizingTokenFilterFactory {
            Normalizing() {
                super(name, settings);
            }

            @Override
            public TokenStream create(TokenStream in) {
                return wrap.apply(in);
            }
        }
        return new Normalizing();
    }

    private static TokenFilterFactory plain(String name, Settings settings, Wrap wrap) {
        return new AbstractTokenFilterFactory(name, settings) {
            @Override
            public TokenStream create(TokenStream in) {
                return wrap.apply(in);
            }
        };
    }

    /** The stemmers the archive names, each the Lucene filter `analysis-common` maps it to. */
    private static TokenFilterFactory stemmer(String name, Settings settings) {
        String language = settings.get("language", settings.get("name", "porter"));
        Wrap wrap = switch (language) {
            case "english", "porter" -> PorterStemFilter::new;
            case "possessive_english" -> EnglishPossessiveFilter::new;
            case "light_spanish" -> SpanishLightStemFilter::new;
            case "light_french" -> FrenchLightStemFilter::new;
            case "light_german" -> GermanLightStemFilter::new;
            case "light_portuguese" -> PortugueseLightStemFilter::new;
            default -> throw new IllegalArgumentException(
                "the test node knows the stemmers the archive uses, not [" + language + "]: add it to "
                    + "tests/elasticsearch/src/main/java/archive/testnode/modules/ArchiveModules.java");
        };
        return plain(name, settings, wrap);
    }

    private static TokenFilterFactory elision(String name, Settings settings) {
        List<String> articles = settings.getAsList("articles");
        if (articles.isEmpty()) {
            throw new IllegalArgumentException("elision filter [" + name + "] needs [articles]");
        }
        CharArraySet set = new CharArraySet(articles, settings.getAsBoolean("articles_case", false));
        return plain(name, settings, in -> new ElisionFilter(in, set));
    }

    /**
     * Scores with the archive's one similarity script, of the shape {@code double tf = doc.freq;
     * double norm = K1 * (1.0 - B + B * doc.length / L); return query.boost * K1PLUS1 * tf / (tf +
     * norm);} with any numbers, as Painless would. Refuses every other script.
     */
    static final class SimilarityOnlyEngine implements ScriptEngine {
        private static final String NUMBER = "([0-9]+(?:\\.[0-9]+)?)";
        private static final Pattern SHAPE = Pattern.compile(
            "double tf = doc\\.freq; double norm = " + NUMBER + " \\* \\(1\\.0 - " + NUMBER + " \\+ " + NUMBER
                + " \\* doc\\.length / " + NUMBER + "\\); return query\\.boost \\* " + NUMBER
                + " \\* tf / \\(tf \\+ norm\\);");

        @Override
        public String getType() {
            return "painless";
        }

        @Override
        public <T> T compile(String name, String source, ScriptContext<T> context, Map<String, String> params) {
            Matcher m = SHAPE.matcher(source.strip());
            if (context != SimilarityScript.CONTEXT || m.matches() == false) {
                throw new IllegalArgumentException(
                    "the archive's test node runs only the archive's similarity script (Painless is not on "
                        + "Maven Central); got context [" + context.name + "] source [" + source + "]");
            }
            double k1 = Double.parseDouble(m.group(1));
            double b = Double.parseDouble(m.group(2));
            double b2 = Double.parseDouble(m.group(3));
            double reference = Double.parseDouble(m.group(4));
            double k1Plus1 = Double.parseDouble(m.group(5));
            SimilarityScript.Factory factory = () -> new SimilarityScript() {
                @Override
                public double execute(
                    double weight,
                    ScriptedSimilarity.Query query,
                    ScriptedSimilarity.Field field,
                    ScriptedSimilarity.Term term,
                    ScriptedSimilarity.Doc doc
                ) {
                    double tf = doc.getFreq();
                    double norm = k1 * (1.0 - b + b2 * doc.getLength() / reference);
                    return query.getBoost() * k1Plus1 * tf / (tf + norm);
                }
            };
            return context.factoryClazz.cast(factory);
        }

        @Override
        public Set<ScriptContext<?>> getSupportedContexts() {
            return Set.of(SimilarityScript.CONTEXT);
        }
    }
}
