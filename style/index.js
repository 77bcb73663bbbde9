import './base.css';
import './files.css';
import './providers.css';
