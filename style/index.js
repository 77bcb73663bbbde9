import './base.css';
import './files.css';
import './providers.css';
import './render.css';
import './agent.css';
import './review.css';
